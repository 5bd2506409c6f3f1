package card

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/paytest"
)

const (
	testKey    = "sk_test_card"
	testSecret = "whsec_test_card"
)

// delivery is what the portal's webhook endpoint saw.
type delivery struct {
	header http.Header
	body   []byte
	event  payment.Event
	err    error
}

type env struct {
	fake       *Fake
	srv        *httptest.Server
	client     *Client
	now        *atomic.Int64
	deliveries chan delivery
}

func newEnv(t *testing.T) env {
	t.Helper()
	now := new(atomic.Int64)
	now.Store(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC).Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	e := env{now: now, deliveries: make(chan delivery, 64)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := e.client.Webhook(r.Header, body)
		e.deliveries <- delivery{r.Header.Clone(), body, ev, err}
		if err != nil && !errors.Is(err, payment.ErrPending) {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	t.Cleanup(hook.Close)
	e.fake = NewFake(FakeOptions{Prefix: "/card", SecretKey: testKey, WebhookSecret: testSecret, WebhookURL: hook.URL,
		RetryDelay: time.Millisecond, Now: clock})
	t.Cleanup(func() { _ = e.fake.Close() })
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(e.srv.Close)
	c, err := New(Config{BaseURL: e.srv.URL + "/card", SecretKey: testKey, WebhookSecret: testSecret, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	return e
}

func (e env) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-e.deliveries:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived")
		return delivery{}
	}
}

var order = paytest.Order

func (e env) begin(t *testing.T, o payment.Order) payment.Checkout {
	t.Helper()
	c, err := e.client.Begin(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	goodCard     = "4242424242424242"
	declinedCard = "4000000000000002"
)

func (e env) pay(t *testing.T, c payment.Checkout, o payment.Order, card string) url.Values {
	t.Helper()
	paytest.Page(t, c.RedirectURL, "Pay (test card …4242)", "Decline (test card …0002)", "Cancel", "5,000 KRW", o.Item)
	q := paytest.Returned(t, c.RedirectURL, url.Values{"card": {card}}, o.ReturnURL)
	if q.Get("order") != o.ID || q.Get("session_id") != c.Ref {
		t.Fatalf("returned with %v", q)
	}
	return q
}

func TestHappyPathWebhooksAndRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-1")
	c := e.begin(t, o)
	q := e.pay(t, c, o, goodCard)
	if q.Get("outcome") != "approve" {
		t.Fatalf("returned with %v", q)
	}
	paid, err := e.client.Finish(ctx, o, c, q)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(paid.PaymentID, "pi_") || paid.Amount != 5000 || paid.Currency != "KRW" {
		t.Fatalf("paid %+v", paid)
	}
	d := e.next(t)
	if d.err != nil {
		t.Fatal(d.err)
	}
	if want := (payment.Event{ID: d.event.ID, Kind: payment.EventPaid, OrderID: o.ID, Ref: c.Ref, Paid: paid}); d.event != want || d.event.ID == "" {
		t.Fatalf("webhook event %+v, want %+v", d.event, want)
	}
	for range 2 {
		if err := e.client.Refund(ctx, o, c, paid); err != nil {
			t.Fatal(err)
		}
	}
	if e.fake.Refunded(c.Ref) != 5000 {
		t.Fatalf("refunded %d", e.fake.Refunded(c.Ref))
	}
	d = e.next(t)
	if d.err != nil || d.event.Kind != payment.EventRefunded || d.event.OrderID != o.ID || d.event.Paid != paid {
		t.Fatalf("refund webhook %+v, %v", d.event, d.err)
	}
	// Resending delivers the same event ID again, signed anew: the caller
	// sees a replay by its ID.
	first := e.fake.Events()[0]
	e.now.Add(10)
	if err := e.fake.Resend(first.ID); err != nil {
		t.Fatal(err)
	}
	d = e.next(t)
	if d.err != nil || d.event.ID != first.ID || d.header.Get("Signature") == first.Signature {
		t.Fatalf("resent: %+v, %v, same signature %v", d.event, d.err, d.header.Get("Signature") == first.Signature)
	}
	// The same through the fake's webhook page, as a browser test would.
	paytest.Page(t, e.srv.URL+"/card/events", first.ID, EventRefundCreated, "Send again")
	if q := paytest.Returned(t, e.srv.URL+"/card/events/"+first.ID+"/resend", nil, e.srv.URL+"/card/events"); len(q) != 0 {
		t.Fatalf("resend redirected with %v", q)
	}
	if d = e.next(t); d.err != nil || d.event.ID != first.ID {
		t.Fatalf("resent from the page: %+v, %v", d.event, d.err)
	}
	// Refunding another payment with this checkout is refused.
	if err := e.client.Refund(ctx, o, c, payment.Paid{PaymentID: "pi_other", Amount: 5000, Currency: "KRW"}); !errors.Is(err, payment.ErrMismatch) {
		t.Fatalf("refund of another payment: %v", err)
	}
}

func TestIdempotentUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	o := order("ord-2")
	c, _ := paytest.Idempotent(t, e.client, o, 8, func(c payment.Checkout) url.Values { return e.pay(t, c, o, goodCard) })
	refunds := 0
	for _, ev := range e.fake.Events() {
		if ev.Type == EventRefundCreated {
			refunds++
		}
	}
	if e.fake.Count() != 1 || refunds != 1 || e.fake.Refunded(c.Ref) != 5000 {
		t.Fatalf("%d sessions, %d refunds of %d; want one session and one refund of 5000", e.fake.Count(), refunds, e.fake.Refunded(c.Ref))
	}
	changed := o
	changed.Amount = 4000
	if _, err := e.client.Begin(context.Background(), changed); !errors.Is(err, payment.ErrMismatch) || !strings.Contains(err.Error(), "idempotent") {
		t.Fatalf("Begin with another amount under the same key: %v", err)
	}
}

func TestDeclineCancelAndExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-3")
	c := e.begin(t, o)
	if status, _ := paytest.Press(t, c.RedirectURL, url.Values{"card": {declinedCard}}); status != http.StatusOK {
		t.Fatalf("a declined card answered %d, want the page again", status)
	}
	if page := paytest.Page(t, c.RedirectURL); !strings.Contains(page, "Your card was declined") {
		t.Error("the page does not say the card was declined")
	}
	// Back at the portal without paying: nothing is paid, whatever the query says.
	for outcome, want := range map[string]error{"": payment.ErrPending, "approve": payment.ErrPending, "fail": payment.ErrDeclined, "cancel": payment.ErrCanceled} {
		if _, err := e.client.Finish(ctx, o, c, url.Values{"outcome": {outcome}, "session_id": {c.Ref}}); !errors.Is(err, want) {
			t.Errorf("open session, outcome %q: %v, want %v", outcome, err, want)
		}
	}
	q := e.pay(t, c, o, "cancel")
	if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, payment.ErrCanceled) {
		t.Fatalf("cancel: %v", err)
	}
	if err := e.client.Refund(ctx, o, c, payment.Paid{PaymentID: "pi_x", Amount: 5000, Currency: "KRW"}); !errors.Is(err, payment.ErrMismatch) {
		t.Fatalf("refund of an unpaid checkout: %v", err)
	}
	e.now.Add(25 * 3600)
	if _, err := e.client.Finish(ctx, o, c, url.Values{"outcome": {"approve"}}); !errors.Is(err, payment.ErrCanceled) {
		t.Fatalf("expired: %v", err)
	}
	d := e.next(t)
	if d.err != nil || d.event.Kind != payment.EventFailed || d.event.Ref != c.Ref {
		t.Fatalf("expiry webhook: %+v, %v", d.event, d.err)
	}
	if status, _ := paytest.Press(t, c.RedirectURL, url.Values{"card": {goodCard}}); status != http.StatusOK {
		t.Fatalf("paying an expired checkout answered %d", status)
	}
	if _, err := e.client.Finish(ctx, o, c, nil); !errors.Is(err, payment.ErrCanceled) {
		t.Fatalf("an expired checkout was paid: %v", err)
	}
	// Begun again, the order gets one new session, which pays.
	again := e.begin(t, o)
	if again.Ref == c.Ref || e.begin(t, o) != again {
		t.Fatalf("Begin after expiry: %+v (expired %s)", again, c.Ref)
	}
	if _, err := e.client.Finish(ctx, o, again, e.pay(t, again, o, goodCard)); err != nil {
		t.Fatal(err)
	}
}

func TestFinishRefusesWhatDoesNotMatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-4")
	c := e.begin(t, o)
	q := e.pay(t, c, o, goodCard)
	o5 := order("ord-5")
	c5 := e.begin(t, o5)
	for name, tc := range map[string]struct {
		o payment.Order
		c payment.Checkout
		q url.Values
	}{
		"amount changed":        {func() payment.Order { x := o; x.Amount = 4999; return x }(), c, q},
		"currency changed":      {func() payment.Order { x := o; x.Currency = "USD"; return x }(), c, q},
		"order changed":         {o5, c, q},
		"another session":       {o, c, url.Values{"outcome": {"approve"}, "session_id": {c5.Ref}}},
		"another order's check": {o, c5, url.Values{"outcome": {"approve"}}},
	} {
		if _, err := e.client.Finish(ctx, tc.o, tc.c, tc.q); !errors.Is(err, payment.ErrMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWebhookRefusals(t *testing.T) {
	e := newEnv(t)
	o := order("ord-6")
	c := e.begin(t, o)
	e.pay(t, c, o, goodCard)
	d := e.next(t)
	if d.err != nil {
		t.Fatal(d.err)
	}
	body := d.body
	now := time.Unix(e.now.Load(), 0)
	header := func(sig string) http.Header { return http.Header{"Signature": {sig}} }
	ok := func(h http.Header, b []byte) error { _, err := e.client.Webhook(h, b); return err }
	if err := ok(header(Sign(testSecret, body, now)), body); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	signed := func(b []byte) []byte { return b }
	unknown := []byte(strings.Replace(string(body), EventSessionCompleted, "customer.created", 1))
	for name, tc := range map[string]struct {
		h    http.Header
		body []byte
		want string
	}{
		"no header":        {http.Header{}, body, "missing"},
		"not t=,v1=":       {header("abc"), body, "not t="},
		"other scheme":     {header("sha256=abc"), body, "lacks"},
		"no v1":            {header("t=" + strconv.FormatInt(now.Unix(), 10)), body, "lacks"},
		"forged":           {header(Sign("whsec_attacker", body, now)), body, "no v1 signature matches"},
		"stale 301 s":      {header(Sign(testSecret, body, now.Add(-301*time.Second))), body, "away from now"},
		"future 301 s":     {header(Sign(testSecret, body, now.Add(301*time.Second))), body, "away from now"},
		"altered body":     {header(Sign(testSecret, body, now)), []byte(strings.Replace(string(body), "5000", "50", 1)), "no v1 signature matches"},
		"re-formatted":     {header(Sign(testSecret, body, now)), append([]byte(" "), body...), "no v1 signature matches"},
		"unsigned garbage": {header(Sign("whsec_attacker", []byte("{"), now)), []byte("{"), "no v1 signature matches"},
		"signed garbage":   {header(Sign(testSecret, []byte("{"), now)), signed([]byte("{")), "not an event"},
		"unknown type":     {header(Sign(testSecret, unknown, now)), unknown, "does not handle"},
		"v1 of another t":  {header("t=" + strconv.FormatInt(now.Unix(), 10) + "," + strings.Split(Sign(testSecret, body, now.Add(-time.Second)), ",")[1]), body, "no v1 signature matches"},
	} {
		err := ok(tc.h, tc.body)
		if !errors.Is(err, payment.ErrBadWebhook) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrBadWebhook saying %q", name, err, tc.want)
		}
	}
	// Within the tolerance, and a second v1 (a secret being rotated), it passes.
	old := strings.Split(Sign("whsec_old", body, now.Add(-299*time.Second)), ",")[1]
	if err := ok(header(Sign(testSecret, body, now.Add(-299*time.Second))+","+old), body); err != nil {
		t.Fatalf("299 s old with two v1: %v", err)
	}
	// Stripe's header name, when configured.
	s, _ := New(Config{BaseURL: e.srv.URL, SecretKey: testKey, WebhookSecret: testSecret, SignatureHeader: "Stripe-Signature",
		Now: func() time.Time { return now }})
	if _, err := s.Webhook(http.Header{"Stripe-Signature": {Sign(testSecret, body, now)}}, body); err != nil {
		t.Fatalf("Stripe-Signature: %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	e := newEnv(t)
	for name, base := range map[string]string{
		"500":         paytest.Failing(t, "500").URL,
		"garbage":     paytest.Failing(t, "garbage").URL,
		"html404":     paytest.Failing(t, "html404").URL,
		"unreachable": paytest.Unreachable(t),
		"wrong key":   e.srv.URL + "/card",
	} {
		c, err := New(Config{BaseURL: base, SecretKey: "sk_test_wrong", WebhookSecret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Begin(context.Background(), order("o")); !errors.Is(err, payment.ErrUnavailable) || !strings.Contains(err.Error(), "card") {
			t.Errorf("%s: Begin = %v", name, err)
		}
		if _, err := c.Finish(context.Background(), order("o"), payment.Checkout{Ref: "cs_1"}, nil); !errors.Is(err, payment.ErrUnavailable) {
			t.Errorf("%s: Finish = %v", name, err)
		}
	}
	if _, err := New(Config{BaseURL: "https://api.example", SecretKey: testKey}); err == nil {
		t.Error("a config without a webhook secret was accepted")
	}
}

// The fake refuses what a checkout processor refuses.
func TestFakeRefuses(t *testing.T) {
	e := newEnv(t)
	post := func(path, key string, form url.Values) int {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/card"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := url.Values{"mode": {"payment"}, "success_url": {"https://p.example/s?session_id={CHECKOUT_SESSION_ID}"}, "cancel_url": {"https://p.example/c"},
		"line_items[0][quantity]": {"1"}, "line_items[0][price_data][currency]": {"krw"}, "line_items[0][price_data][unit_amount]": {"5000"},
		"line_items[0][price_data][product_data][name]": {"x"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	for name, tc := range map[string]struct {
		key  string
		form url.Values
		want int
	}{
		"no key":         {"", good, 401},
		"wrong key":      {"sk_test_nope", good, 401},
		"subscription":   {testKey, with("mode", "subscription"), 400},
		"zero amount":    {testKey, with("line_items[0][price_data][unit_amount]", "0"), 400},
		"bad currency":   {testKey, with("line_items[0][price_data][currency]", "won!"), 400},
		"no name":        {testKey, with("line_items[0][price_data][product_data][name]", ""), 400},
		"two items":      {testKey, with("line_items[1][quantity]", "1"), 400},
		"relative":       {testKey, with("success_url", "/s"), 400},
		"javascript url": {testKey, with("cancel_url", "javascript:alert(1)"), 400},
		"good":           {testKey, good, 200},
	} {
		if got := post("/v1/checkout/sessions", tc.key, tc.form); got != tc.want {
			t.Errorf("%s: %d, want %d", name, got, tc.want)
		}
	}
	if got := post("/v1/refunds", testKey, url.Values{"payment_intent": {"pi_nope"}}); got != 404 {
		t.Errorf("refund of an unknown payment: %d", got)
	}
	o := order("ord-7")
	c := e.begin(t, o)
	q := e.pay(t, c, o, goodCard)
	paid, err := e.client.Finish(context.Background(), o, c, q)
	if err != nil {
		t.Fatal(err)
	}
	if got := post("/v1/refunds", testKey, url.Values{"payment_intent": {paid.PaymentID}, "amount": {"5001"}}); got != 400 {
		t.Errorf("refund of more than was paid: %d", got)
	}
	if status, _ := paytest.Press(t, c.RedirectURL, url.Values{"card": {goodCard}}); status != http.StatusOK {
		t.Errorf("paying twice answered %d, want the 'done' page", status)
	}
	paidEvents := 0
	for _, ev := range e.fake.Events() {
		if ev.Type == EventSessionCompleted {
			paidEvents++
		}
	}
	if paidEvents != 1 {
		t.Errorf("%d completed events, want 1", paidEvents)
	}
}
