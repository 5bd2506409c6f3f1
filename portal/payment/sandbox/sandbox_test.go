package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/paytest"
)

const testKey = "sk_sandbox_test"

type env struct {
	fake   *Fake
	srv    *httptest.Server
	client *Client
}

func newEnv(t *testing.T) env {
	t.Helper()
	f := NewFake(FakeOptions{Prefix: "/sandbox", Key: testKey})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/sandbox", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	return env{f, srv, c}
}

var order = paytest.Order

// choose opens the hosted page and presses the tester's button; it returns
// the query the browser brings back.
func (e env) choose(t *testing.T, c payment.Checkout, o payment.Order, choice string) url.Values {
	t.Helper()
	paytest.Page(t, c.RedirectURL, "Pay (success)", "Decline", "Cancel", "5,000 KRW", o.Item)
	q := paytest.Returned(t, c.RedirectURL, url.Values{"choice": {choice}}, o.ReturnURL)
	if q.Get("order") != o.ID {
		t.Errorf("the return lost the shop's own query: %v", q)
	}
	return q
}

func TestHappyPathAndRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-1")
	c, err := e.client.Begin(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	q := e.choose(t, c, o, "approve")
	if q.Get("outcome") != "approve" || q.Get("payment_id") != c.Ref {
		t.Fatalf("returned with %v", q)
	}
	paid, err := e.client.Finish(ctx, o, c, q)
	if err != nil {
		t.Fatal(err)
	}
	if paid != (payment.Paid{PaymentID: c.Ref, Amount: 5000, Currency: "KRW"}) {
		t.Fatalf("paid = %+v", paid)
	}
	for range 2 {
		if err := e.client.Refund(ctx, o, c, paid); err != nil {
			t.Fatal(err)
		}
	}
	if p, _ := e.fake.Payment(c.Ref); p.Status != StatusRefunded {
		t.Fatalf("status after refund = %s", p.Status)
	}
	// A refunded payment does not finish as paid again.
	if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, payment.ErrDeclined) {
		t.Fatalf("Finish after refund: %v, want ErrDeclined", err)
	}
}

func TestIdempotentUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	o := order("ord-2")
	c, _ := paytest.Idempotent(t, e.client, o, 8, func(c payment.Checkout) url.Values { return e.choose(t, c, o, "approve") })
	if p, _ := e.fake.Payment(c.Ref); e.fake.Count() != 1 || p.Status != StatusRefunded {
		t.Fatalf("the sandbox holds %d payments, the order's %s; want one, refunded", e.fake.Count(), p.Status)
	}
}

func TestOutcomes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		choice string
		want   error
	}{{"fail", payment.ErrDeclined}, {"cancel", payment.ErrCanceled}} {
		o := order("ord-" + tc.choice)
		c, err := e.client.Begin(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		q := e.choose(t, c, o, tc.choice)
		if q.Get("outcome") != tc.choice {
			t.Errorf("%s: outcome %q", tc.choice, q.Get("outcome"))
		}
		if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, tc.want) {
			t.Errorf("%s: Finish = %v, want %v", tc.choice, err, tc.want)
		}
		// The query lies: it says approve. The server's state wins.
		q.Set("outcome", "approve")
		if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, tc.want) {
			t.Errorf("%s with a forged outcome=approve: Finish = %v, want %v", tc.choice, err, tc.want)
		}
		// Refunding what was never paid is refused.
		if err := e.client.Refund(ctx, o, c, payment.Paid{PaymentID: c.Ref, Amount: o.Amount, Currency: o.Currency}); !errors.Is(err, payment.ErrDeclined) {
			t.Errorf("%s: Refund = %v, want ErrDeclined", tc.choice, err)
		}
		// The person tries again: the same order begins the same payment,
		// whose page says what happened and lets them pay.
		again, err := e.client.Begin(ctx, o)
		if err != nil || again != c {
			t.Fatalf("%s: Begin again = %+v, %v; want %+v", tc.choice, again, err, c)
		}
		paytest.Page(t, c.RedirectURL, "You can choose again", "Pay (success)")
		q = e.choose(t, c, o, "approve")
		paid, err := e.client.Finish(ctx, o, c, q)
		if err != nil || paid.PaymentID != c.Ref {
			t.Fatalf("%s, then paid: %+v, %v", tc.choice, paid, err)
		}
		// Once paid, another press changes nothing.
		if status, _ := paytest.Press(t, c.RedirectURL, url.Values{"choice": {"fail"}}); status != http.StatusOK {
			t.Errorf("%s: a press after paying answered %d, want the 'done' page", tc.choice, status)
		}
		if p, _ := e.fake.Payment(c.Ref); p.Status != StatusSucceeded {
			t.Errorf("%s: a press after paying made it %s", tc.choice, p.Status)
		}
	}
}

func TestFinishRefusesWhatDoesNotMatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-3")
	c, err := e.client.Begin(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// Before the tester chose, a forged "approve" return is not a payment.
	if _, err := e.client.Finish(ctx, o, c, url.Values{"outcome": {"approve"}, "payment_id": {c.Ref}}); !errors.Is(err, payment.ErrPending) {
		t.Fatalf("Finish before the choice: %v, want ErrPending", err)
	}
	q := e.choose(t, c, o, "approve")
	other, err := e.client.Begin(ctx, order("ord-other"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		o    payment.Order
		c    payment.Checkout
		q    url.Values
	}{
		{"amount changed", func() payment.Order { x := o; x.Amount = 1000; return x }(), c, q},
		{"currency changed", func() payment.Order { x := o; x.Currency = "USD"; return x }(), c, q},
		{"another order's payment", order("ord-other"), c, q},
		{"another payment in the query", o, c, url.Values{"outcome": {"approve"}, "payment_id": {other.Ref}}},
		{"the checkout swapped for another order's", o, other, url.Values{"outcome": {"approve"}}},
	}
	for _, tc := range cases {
		if _, err := e.client.Finish(ctx, tc.o, tc.c, tc.q); !errors.Is(err, payment.ErrMismatch) {
			t.Errorf("%s: Finish = %v, want ErrMismatch", tc.name, err)
		}
	}
	// The same order ID begun with another amount is refused, not a second checkout.
	changed := o
	changed.Amount = 9000
	if _, err := e.client.Begin(ctx, changed); !errors.Is(err, payment.ErrMismatch) || !strings.Contains(err.Error(), "Idempotency-Key") {
		t.Fatalf("Begin with a changed amount: %v", err)
	}
}

func TestBadOrdersAndConfig(t *testing.T) {
	e := newEnv(t)
	for name, o := range map[string]payment.Order{
		"no id":           func() payment.Order { x := order("x"); x.ID = ""; return x }(),
		"zero amount":     func() payment.Order { x := order("x"); x.Amount = 0; return x }(),
		"lower currency":  func() payment.Order { x := order("x"); x.Currency = "krw"; return x }(),
		"relative return": func() payment.Order { x := order("x"); x.ReturnURL = "/pay/return"; return x }(),
	} {
		if _, err := e.client.Begin(context.Background(), o); !errors.Is(err, payment.ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if e.fake.Count() != 0 {
		t.Errorf("bad orders reached the sandbox")
	}
	for _, cfg := range []Config{{BaseURL: "ftp://x", Key: "k"}, {BaseURL: "http://x"}, {BaseURL: "http://x?a=b", Key: "k"}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestUnavailable(t *testing.T) {
	bases := map[string]string{
		"500":         paytest.Failing(t, "500").URL,
		"garbage":     paytest.Failing(t, "garbage").URL,
		"html404":     paytest.Failing(t, "html404").URL,
		"unreachable": paytest.Unreachable(t),
	}
	e := newEnv(t)
	bases["wrong key"] = e.srv.URL + "/sandbox"
	for name, base := range bases {
		key := testKey
		if name == "wrong key" {
			key = "sk_wrong"
		}
		c, err := New(Config{BaseURL: base, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Begin(context.Background(), order("ord-u"))
		if !errors.Is(err, payment.ErrUnavailable) || !strings.Contains(err.Error(), "sandbox") {
			t.Errorf("%s: Begin = %v, want ErrUnavailable naming the sandbox", name, err)
		}
		_, err = c.Finish(context.Background(), order("ord-u"), payment.Checkout{Ref: "sbx_1"}, nil)
		if !errors.Is(err, payment.ErrUnavailable) {
			t.Errorf("%s: Finish = %v, want ErrUnavailable", name, err)
		}
	}
}

// The fake refuses what a card processor's test mode refuses.
func TestFakeRefuses(t *testing.T) {
	e := newEnv(t)
	post := func(key, idem, body string) int {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/sandbox/v1/payments", strings.NewReader(body))
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		if idem != "" {
			req.Header.Set("Idempotency-Key", idem)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := `{"order_id":"o","amount":5000,"currency":"KRW","description":"d","return_url":"https://p.example/r"}`
	for name, tc := range map[string]struct {
		key, idem, body string
		want            int
	}{
		"no key":           {"", "k1", good, 401},
		"wrong key":        {"nope", "k2", good, 401},
		"no idempotency":   {testKey, "", good, 400},
		"not json":         {testKey, "k3", "amount=5", 400},
		"unknown field":    {testKey, "k4", `{"order_id":"o","amount":1,"currency":"KRW","return_url":"https://p/r","tip":1}`, 400},
		"negative amount":  {testKey, "k5", `{"order_id":"o","amount":-5,"currency":"KRW","return_url":"https://p/r"}`, 400},
		"bad currency":     {testKey, "k6", `{"order_id":"o","amount":5,"currency":"won","return_url":"https://p/r"}`, 400},
		"javascript: back": {testKey, "k7", `{"order_id":"o","amount":5,"currency":"KRW","return_url":"javascript:alert(1)"}`, 400},
		"good":             {testKey, "k8", good, 200},
	} {
		if got := post(tc.key, tc.idem, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
	if e.fake.Count() != 1 {
		t.Errorf("%d payments, want only the good one", e.fake.Count())
	}
	if resp, _ := http.Get(e.srv.URL + "/sandbox/checkout/sbx_nope"); resp.StatusCode != 404 {
		t.Errorf("unknown page: %d", resp.StatusCode)
	}
	if status, _ := paytest.Press(t, e.srv.URL+"/sandbox/checkout/sbx_nope", url.Values{"choice": {"approve"}}); status != 404 {
		t.Errorf("pressing on an unknown payment: %d", status)
	}
}
