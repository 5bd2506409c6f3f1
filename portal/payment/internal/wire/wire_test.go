package wire

import (
	"errors"
	"testing"

	"github.com/careerchain/careerchain/portal/payment"
)

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		amount int64
		cur    string
		want   string
	}{{5000, "KRW", "5,000 KRW"}, {1234567, "KRW", "1,234,567 KRW"}, {999, "KRW", "999 KRW"},
		{1250, "USD", "12.50 USD"}, {5, "USD", "0.05 USD"}, {123456789, "EUR", "1,234,567.89 EUR"}, {-1500, "USD", "-15.00 USD"}} {
		if got := Money(tc.amount, tc.cur); got != tc.want {
			t.Errorf("Money(%d, %s) = %q, want %q", tc.amount, tc.cur, got, tc.want)
		}
	}
}

func TestWithQueryKeepsTheShopsQuery(t *testing.T) {
	got, err := WithQuery("https://p.example/pay/return?order=o-1", "outcome", "approve", "pg_token", "a&b")
	if err != nil || got != "https://p.example/pay/return?order=o-1&outcome=approve&pg_token=a%26b" {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestErrorWrapsTheSentinelAndKeepsTheProvidersWords(t *testing.T) {
	err := error(&Error{Kind: payment.ErrDeclined, Provider: "kakaopay", Status: 400, Code: "-780", Message: "approval failure!"})
	if !errors.Is(err, payment.ErrDeclined) || CodeOf(err) != "-780" {
		t.Fatal(err)
	}
	if want := "payment: declined: kakaopay answered HTTP 400 (-780): approval failure!"; err.Error() != want {
		t.Fatalf("%q, want %q", err, want)
	}
}
