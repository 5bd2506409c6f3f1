package kakaopay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/paytest"
)

const testKey = "DEV0000TESTSECRETKEY"

type env struct {
	fake   *Fake
	srv    *httptest.Server
	client *Client
	now    *atomic.Int64 // unix seconds of the fake's and client's clock
}

func newEnv(t *testing.T) env {
	t.Helper()
	now := new(atomic.Int64)
	now.Store(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC).Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	f := NewFake(FakeOptions{Prefix: "/kakaopay", SecretKey: testKey, Now: clock})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL + "/kakaopay", SecretKey: testKey, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return env{f, srv, c, now}
}

func order(id string) payment.Order {
	o := paytest.Order(id)
	o.Item = "경력 기록: 백엔드 개발자"
	return o
}

func (e env) begin(t *testing.T, o payment.Order) payment.Checkout {
	t.Helper()
	c, err := e.client.Begin(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if c.Ref == "" || c.RedirectURL == "" || c.MobileURL == "" {
		t.Fatalf("checkout %+v", c)
	}
	return c
}

// buyer opens KakaoPay's page and presses a button; it returns the query
// the browser brings back to the portal.
func (e env) buyer(t *testing.T, c payment.Checkout, o payment.Order, choice string) url.Values {
	t.Helper()
	paytest.Page(t, c.RedirectURL, "Approve payment", "Cancel", "5,000 KRW", o.Item)
	q := paytest.Returned(t, c.RedirectURL, url.Values{"choice": {choice}}, o.ReturnURL)
	if q.Get("order") != o.ID || q.Get("outcome") != choice {
		t.Fatalf("returned with %v", q)
	}
	return q
}

func TestHappyPathAndRefund(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-1")
	c := e.begin(t, o)
	q := e.buyer(t, c, o, "approve")
	if q.Get("pg_token") == "" {
		t.Fatalf("no pg_token in %v", q)
	}
	paid, err := e.client.Finish(ctx, o, c, q)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(paid.PaymentID, "A") || paid.Amount != 5000 || paid.Currency != "KRW" {
		t.Fatalf("paid %+v", paid)
	}
	// A reload of the return page: the same payment, no second approval.
	again, err := e.client.Finish(ctx, o, c, q)
	if err != nil || again != paid || e.fake.Approvals(c.Ref) != 1 {
		t.Fatalf("second Finish: %+v, %v, %d approvals", again, err, e.fake.Approvals(c.Ref))
	}
	for range 2 {
		if err := e.client.Refund(ctx, o, c, paid); err != nil {
			t.Fatal(err)
		}
	}
	if st := e.order(t, c.Ref); st.Status != StatusCancel || st.CanceledAmount.Total != 5000 {
		t.Fatalf("after refund: %+v", st)
	}
	if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, payment.ErrDeclined) {
		t.Fatalf("Finish after refund: %v", err)
	}
	// Refunding with another payment's aid is refused.
	if err := e.client.Refund(ctx, o, c, payment.Paid{PaymentID: "Aother", Amount: 5000, Currency: "KRW"}); !errors.Is(err, payment.ErrMismatch) {
		t.Fatalf("Refund of another aid: %v", err)
	}
}

// order asks the fake's order endpoint, as a raw HTTP client would.
func (e env) order(t *testing.T, tid string) OrderResponse {
	t.Helper()
	var st OrderResponse
	if status := e.raw(t, "order", testKey, OrderRequest{CID: TestCID, TID: tid}, &st); status != 200 {
		t.Fatalf("order %s: %d", tid, status)
	}
	return st
}

func (e env) raw(t *testing.T, path, key string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/kakaopay/online/v1/payment/"+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "SECRET_KEY "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s answered %s", path, data)
		}
	}
	return resp.StatusCode
}

func TestIdempotentUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	o := order("ord-2")
	c, _ := paytest.Idempotent(t, e.client, o, 8, func(c payment.Checkout) url.Values { return e.buyer(t, c, o, "approve") })
	if e.fake.Count() != 1 || e.fake.Approvals(c.Ref) != 1 {
		t.Fatalf("%d readies and %d approvals, want one of each", e.fake.Count(), e.fake.Approvals(c.Ref))
	}
	if st := e.order(t, c.Ref); st.Status != StatusCancel || st.CanceledAmount.Total != 5000 {
		t.Fatalf("after the refunds: %s, canceled %d; want 5000 canceled once", st.Status, st.CanceledAmount.Total)
	}
	changed := o
	changed.Amount = 7000
	if _, err := e.client.Begin(context.Background(), changed); !errors.Is(err, payment.ErrMismatch) {
		t.Fatalf("Begin with a changed amount: %v", err)
	}
	// Once the ready's 15 minutes are over, the same order begins anew.
	e.now.Add(int64(16 * time.Minute / time.Second))
	if c2 := e.begin(t, o); c2.Ref == c.Ref {
		t.Fatal("an expired ready was handed out again")
	}
}

func TestBadApprovals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	o := order("ord-3")
	c := e.begin(t, o)

	// Approve without ready: a tid KakaoPay never issued.
	if _, err := e.client.Finish(ctx, o, payment.Checkout{Ref: "T000000000000000000"}, url.Values{"outcome": {"approve"}, "pg_token": {"x"}}); !errors.Is(err, payment.ErrMismatch) || !strings.Contains(err.Error(), "invalid tid") {
		t.Fatalf("approve without ready: %v", err)
	}
	// Approve before the buyer approved, with a guessed token.
	if _, err := e.client.Finish(ctx, o, c, url.Values{"outcome": {"approve"}, "pg_token": {"guess"}}); !errors.Is(err, payment.ErrPending) {
		t.Fatalf("approve before the buyer: %v", err)
	}
	q := e.buyer(t, c, o, "approve")
	tampered := url.Values{"outcome": {"approve"}, "pg_token": {q.Get("pg_token") + "0"}}
	if _, err := e.client.Finish(ctx, o, c, tampered); !errors.Is(err, payment.ErrMismatch) || !strings.Contains(err.Error(), "pg_token") {
		t.Fatalf("tampered pg_token: %v", err)
	}
	// Another order's tid (wrong tid) is refused before any approve.
	o4 := order("ord-4")
	c4 := e.begin(t, o4)
	e.buyer(t, c4, o4, "approve")
	if _, err := e.client.Finish(ctx, o, c4, q); !errors.Is(err, payment.ErrMismatch) {
		t.Fatalf("wrong tid: %v", err)
	}
	// The order changed between Begin and Finish: refused, and not approved.
	for name, changed := range map[string]payment.Order{
		"amount":   func() payment.Order { x := o; x.Amount = 50; return x }(),
		"currency": func() payment.Order { x := o; x.Currency = "USD"; return x }(),
		"order ID": func() payment.Order { x := o; x.ID = "ord-other"; return x }(),
		"user":     func() payment.Order { x := o; x.User = "acct-other"; return x }(),
	} {
		if _, err := e.client.Finish(ctx, changed, c, q); !errors.Is(err, payment.ErrMismatch) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	if e.fake.Approvals(c.Ref) != 0 || e.fake.Approvals(c4.Ref) != 0 {
		t.Fatal("a refused Finish approved a payment")
	}
	// The genuine return still works.
	if _, err := e.client.Finish(ctx, o, c, q); err != nil {
		t.Fatal(err)
	}
}

func TestCancelFailAndExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for choice, want := range map[string]error{"cancel": payment.ErrCanceled, "fail": payment.ErrDeclined} {
		o := order("ord-" + choice)
		c := e.begin(t, o)
		q := e.buyer(t, c, o, choice)
		if q.Has("pg_token") {
			t.Errorf("%s return carries a pg_token", choice)
		}
		if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", choice, err, want)
		}
		forged := url.Values{"outcome": {"approve"}, "pg_token": {"forged"}}
		if _, err := e.client.Finish(ctx, o, c, forged); !errors.Is(err, want) {
			t.Errorf("%s then a forged approve: %v, want %v", choice, err, want)
		}
		// Approving it directly is KakaoPay's approval failure.
		var eb ErrorBody
		if st := e.raw(t, "approve", testKey, ApproveRequest{CID: TestCID, TID: c.Ref, PartnerOrderID: o.ID, PartnerUserID: o.User, PGToken: "x"}, &eb); st != 400 || eb.ErrorCode != CodeApprovalFailure || eb.Extras == nil {
			t.Errorf("%s: direct approve %d %+v", choice, st, eb)
		}
		// The person tries again: a new ready, which pays.
		again := e.begin(t, o)
		if again.Ref == c.Ref {
			t.Fatalf("%s: Begin again handed out the dead tid", choice)
		}
		if paid, err := e.client.Finish(ctx, o, again, e.buyer(t, again, o, "approve")); err != nil || paid.Amount != 5000 {
			t.Fatalf("%s, then paid: %+v, %v", choice, paid, err)
		}
		if same := e.begin(t, o); same != again {
			t.Fatalf("%s: Begin after paying = %+v, want the paid checkout %+v", choice, same, again)
		}
	}
	o := order("ord-late")
	c := e.begin(t, o)
	q := e.buyer(t, c, o, "approve")
	e.now.Add(int64(16 * time.Minute / time.Second))
	if _, err := e.client.Finish(ctx, o, c, q); !errors.Is(err, payment.ErrDeclined) {
		t.Fatalf("approve after 16 minutes: %v", err)
	}
	if page := paytest.Page(t, c.RedirectURL); !strings.Contains(page, "expired") {
		t.Error("the page of an expired payment does not say so")
	}
}

func TestUnavailable(t *testing.T) {
	e := newEnv(t)
	cases := map[string]Config{
		"500":         {BaseURL: paytest.Failing(t, "500").URL, SecretKey: testKey},
		"garbage":     {BaseURL: paytest.Failing(t, "garbage").URL, SecretKey: testKey},
		"html404":     {BaseURL: paytest.Failing(t, "html404").URL, SecretKey: testKey},
		"unreachable": {BaseURL: paytest.Unreachable(t), SecretKey: testKey},
		"wrong key":   {BaseURL: e.srv.URL + "/kakaopay", SecretKey: "DEVWRONG"},
	}
	for name, cfg := range cases {
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Begin(context.Background(), order("o")); !errors.Is(err, payment.ErrUnavailable) || !strings.Contains(err.Error(), "kakaopay") {
			t.Errorf("%s: Begin = %v", name, err)
		}
		if _, err := c.Finish(context.Background(), order("o"), payment.Checkout{Ref: "T1"}, url.Values{"outcome": {"approve"}, "pg_token": {"p"}}); !errors.Is(err, payment.ErrUnavailable) {
			t.Errorf("%s: Finish = %v", name, err)
		}
	}
	// A server error in KakaoPay's own shape keeps its words.
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`{"error_code":-1,"error_message":"internal server error"}`))
	}))
	defer s.Close()
	c, _ := New(Config{BaseURL: s.URL, SecretKey: testKey})
	if _, err := c.Begin(context.Background(), order("o")); !errors.Is(err, payment.ErrUnavailable) || !strings.Contains(err.Error(), "internal server error") {
		t.Errorf("-1: %v", err)
	}
	if _, err := e.client.Begin(context.Background(), func() payment.Order { x := order("o"); x.Currency = "USD"; return x }()); !errors.Is(err, payment.ErrMismatch) {
		t.Errorf("USD accepted: %v", err)
	}
}

// The fake refuses what KakaoPay refuses.
func TestFakeRefuses(t *testing.T) {
	e := newEnv(t)
	good := ReadyRequest{CID: TestCID, PartnerOrderID: "o", PartnerUserID: "u", ItemName: "i", Quantity: 1, TotalAmount: 5000,
		ApprovalURL: "https://p.example/a", CancelURL: "https://p.example/c", FailURL: "https://p.example/f"}
	with := func(f func(*ReadyRequest)) ReadyRequest { r := good; f(&r); return r }
	for name, tc := range map[string]struct {
		key  string
		req  ReadyRequest
		want int
		code int
	}{
		"no key":         {"", good, 401, CodeUnauthorized},
		"wrong key":      {"DEVWRONG", good, 401, CodeUnauthorized},
		"another cid":    {testKey, with(func(r *ReadyRequest) { r.CID = "TCSUBSCRIP" }), 400, CodeInvalidParam},
		"no order id":    {testKey, with(func(r *ReadyRequest) { r.PartnerOrderID = "" }), 400, CodeInvalidParam},
		"zero amount":    {testKey, with(func(r *ReadyRequest) { r.TotalAmount = 0 }), 400, CodeInvalidParam},
		"tax free > all": {testKey, with(func(r *ReadyRequest) { r.TaxFreeAmount = 6000 }), 400, CodeInvalidParam},
		"no quantity":    {testKey, with(func(r *ReadyRequest) { r.Quantity = 0 }), 400, CodeInvalidParam},
		"relative url":   {testKey, with(func(r *ReadyRequest) { r.FailURL = "/f" }), 400, CodeInvalidParam},
		"url over 255":   {testKey, with(func(r *ReadyRequest) { r.ApprovalURL = "https://p.example/" + strings.Repeat("a", 250) }), 400, CodeInvalidParam},
		"good":           {testKey, good, 200, 0},
	} {
		var eb ErrorBody
		status := e.raw(t, "ready", tc.key, tc.req, &eb)
		if status != tc.want || eb.ErrorCode != tc.code || (tc.code != 0 && eb.ErrorMessage == "") {
			t.Errorf("%s: %d %+v, want %d with error_code %d", name, status, eb, tc.want, tc.code)
		}
	}
	// A form body, as the old kapi.kakao.com API took, is refused.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/kakaopay/online/v1/payment/ready", strings.NewReader("cid=TC0ONETIME"))
	req.Header.Set("Authorization", "SECRET_KEY "+testKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Errorf("form body: %v %v", resp.StatusCode, err)
	}

	o := order("ord-5")
	c := e.begin(t, o)
	q := e.buyer(t, c, o, "approve")
	var eb ErrorBody
	if st := e.raw(t, "approve", testKey, ApproveRequest{CID: TestCID, TID: c.Ref, PartnerOrderID: o.ID, PartnerUserID: "someone-else", PGToken: q.Get("pg_token")}, &eb); st != 400 || eb.ErrorCode != CodeInvalidParam {
		t.Errorf("approve with another partner_user_id: %d %+v", st, eb)
	}
	if st := e.raw(t, "cancel", testKey, CancelRequest{CID: TestCID, TID: c.Ref, CancelAmount: 5000}, &eb); st != 400 {
		t.Errorf("cancel before approve: %d", st)
	}
	paid, err := e.client.Finish(context.Background(), o, c, q)
	if err != nil {
		t.Fatal(err)
	}
	if st := e.raw(t, "approve", testKey, ApproveRequest{CID: TestCID, TID: c.Ref, PartnerOrderID: o.ID, PartnerUserID: o.User, PGToken: q.Get("pg_token")}, &eb); st != 400 || eb.ErrorCode != CodeAlreadyApproved {
		t.Errorf("second approve: %d %+v", st, eb)
	}
	if st := e.raw(t, "cancel", testKey, CancelRequest{CID: TestCID, TID: c.Ref, CancelAmount: 5001}, &eb); st != 400 {
		t.Errorf("cancel of more than was paid: %d", st)
	}
	var cr CancelResponse
	if st := e.raw(t, "cancel", testKey, CancelRequest{CID: TestCID, TID: c.Ref, CancelAmount: 2000}, &cr); st != 200 || cr.Status != StatusPartCancel || cr.CancelAvailableAmount.Total != 3000 {
		t.Errorf("partial cancel: %d %+v", st, cr)
	}
	// Refund cancels what is left.
	if err := e.client.Refund(context.Background(), o, c, paid); err != nil {
		t.Fatal(err)
	}
	if st := e.order(t, c.Ref); st.Status != StatusCancel || st.CanceledAmount.Total != 5000 {
		t.Errorf("after refund of the rest: %+v", st)
	}
}

// A return whose pg_token was appended with "?" to a URL that had a query
// of its own still approves the payment.
func TestNaivelyAppendedPGToken(t *testing.T) {
	e := newEnv(t)
	o := order("ord-naive")
	c := e.begin(t, o)
	q := e.buyer(t, c, o, "approve")
	naive := url.Values{"order": {o.ID}, "outcome": {"approve?pg_token=" + q.Get("pg_token")}}
	if paid, err := e.client.Finish(context.Background(), o, c, naive); err != nil || paid.Amount != 5000 {
		t.Fatalf("Finish with %v: %+v, %v", naive, paid, err)
	}
	if e.fake.Approvals(c.Ref) != 1 {
		t.Fatal("not approved once")
	}
}
