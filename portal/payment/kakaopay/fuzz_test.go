package kakaopay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/careerchain/careerchain/portal/payment"
)

// FuzzAnswers has KakaoPay answer every call with any status and body:
// Finish and Refund must not panic, must fail with one of the payment
// errors, and Finish may succeed only with the order's amount in KRW.
func FuzzAnswers(f *testing.F) {
	f.Add(200, []byte(`{"tid":"T1","status":"SUCCESS_PAYMENT","partner_order_id":"ord-1","partner_user_id":"acct-1",`+
		`"amount":{"total":5000},"payment_action_details":[{"aid":"A1","payment_action_type":"PAYMENT"}]}`))
	f.Add(200, []byte(`{"tid":"T1","status":"SUCCESS_PAYMENT","partner_order_id":"ord-1","partner_user_id":"acct-1","amount":{"total":50}}`))
	f.Add(400, []byte(`{"error_code":-780,"error_message":"approval failure!","extras":{"method_result_code":"USER_LOCKED"}}`))
	f.Add(400, []byte(`{"error_code":-702}`))
	f.Add(500, []byte(`<html>`))
	f.Add(200, []byte(`null`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 200 || status > 599 {
			return
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		c, err := New(Config{BaseURL: srv.URL, SecretKey: testKey})
		if err != nil {
			t.Fatal(err)
		}
		o := payment.Order{ID: "ord-1", User: "acct-1", Item: "i", Amount: 5000, Currency: "KRW", ReturnURL: "https://p.example/r"}
		ch := payment.Checkout{Ref: "T1"}
		known := func(err error) bool {
			for _, s := range []error{payment.ErrDeclined, payment.ErrCanceled, payment.ErrPending, payment.ErrMismatch, payment.ErrUnavailable} {
				if errors.Is(err, s) {
					return true
				}
			}
			return false
		}
		p, err := c.Finish(context.Background(), o, ch, url.Values{"outcome": {"approve"}, "pg_token": {"tok"}})
		switch {
		case err != nil && !known(err):
			t.Fatalf("Finish failed with %v, not a payment error", err)
		case err == nil && (p.Amount != 5000 || p.Currency != "KRW" || p.PaymentID == ""):
			t.Fatalf("Finish accepted %+v for a 5,000 KRW order", p)
		}
		if err := c.Refund(context.Background(), o, ch, payment.Paid{PaymentID: "A1", Amount: 5000, Currency: "KRW"}); err != nil && !known(err) {
			t.Fatalf("Refund failed with %v, not a payment error", err)
		}
	})
}
