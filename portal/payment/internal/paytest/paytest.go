// Package paytest holds what the payment providers' tests share: a
// browser-like walk over a fake's hosted page (read it, press a button,
// follow where it sends the browser) and stand-in servers that fail the
// ways a provider can fail. It is imported by tests only.
package paytest

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/careerchain/careerchain/portal/payment"
)

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Order is a claim's fee of 5,000 KRW as the portal would begin it, returning
// to a portal page whose own query (order=id) must survive the provider.
func Order(id string) payment.Order {
	return payment.Order{ID: id, User: "acct-1", Item: "Career record: Backend engineer at Acme", Amount: 5000, Currency: "KRW",
		ReturnURL: "https://portal.example/pay/return?order=" + id}
}

// Page GETs a hosted page and returns its HTML; it fails t unless the
// answer is a 200 HTML page for a phone that shows every one of want.
func Page(t testing.TB, pageURL string, want ...string) string {
	t.Helper()
	resp, err := noRedirect.Get(pageURL)
	if err != nil {
		t.Fatalf("GET %s: %v", pageURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %d %s\n%s", pageURL, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	body := string(b)
	if !strings.Contains(body, `name="viewport"`) {
		t.Errorf("page %s has no viewport meta: not readable on a phone", pageURL)
	}
	for _, w := range want {
		if !strings.Contains(body, template.HTMLEscapeString(w)) {
			t.Errorf("page %s does not show %q", pageURL, w)
		}
	}
	return body
}

// Press posts form (a button's name and value) to action, as a browser
// does when the button is pressed, and returns the status and Location.
func Press(t testing.TB, action string, form url.Values) (int, *url.URL) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", action, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	loc, _ := resp.Location()
	return resp.StatusCode, loc
}

// Returned presses a button and requires a redirect; it returns the
// redirect's query, which the portal's return page would receive.
func Returned(t testing.TB, action string, form url.Values, returnURL string) url.Values {
	t.Helper()
	status, loc := Press(t, action, form)
	if status != http.StatusSeeOther && status != http.StatusFound {
		t.Fatalf("POST %s %v: status %d, want a redirect back to the shop", action, form, status)
	}
	if loc == nil || !strings.HasPrefix(loc.String(), strings.SplitN(returnURL, "?", 2)[0]) {
		t.Fatalf("POST %s: redirected to %v, want %s…", action, loc, returnURL)
	}
	return loc.Query()
}

// Failing is a server that answers every request the way a broken
// provider does; kinds are "500" (an error page), "garbage" (200 with a
// body that is not JSON), "html404" (a 404 from a proxy, not the API).
func Failing(t testing.TB, kind string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch kind {
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		case "html404":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<h1>Not Found</h1>"))
		default:
			t.Errorf("paytest.Failing: unknown kind %q", kind)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Unreachable is a base URL nothing listens on.
func Unreachable(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	u := s.URL
	s.Close()
	return u
}

// Idempotent begins o on p n times at once and requires one checkout;
// takes the browser through the provider's page with pay; finishes n
// times at once and requires one payment; refunds n times at once and
// requires no error. It returns the checkout and the payment, for the
// caller to check against its fake that each happened once.
func Idempotent(t testing.TB, p payment.Provider, o payment.Order, n int, pay func(payment.Checkout) url.Values) (payment.Checkout, payment.Paid) {
	t.Helper()
	ctx := context.Background()
	checkouts := make([]payment.Checkout, n)
	paids := make([]payment.Paid, n)
	errs := make([]error, n)
	all := func(step func(i int)) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { step(i) })
		}
		wg.Wait()
	}
	all(func(i int) { checkouts[i], errs[i] = p.Begin(ctx, o) })
	for i := range n {
		if errs[i] != nil || checkouts[i] != checkouts[0] {
			t.Fatalf("%s: Begin %d of %d at once: %+v, %v; want the one checkout %+v", p.Name(), i, n, checkouts[i], errs[i], checkouts[0])
		}
	}
	c := checkouts[0]
	q := pay(c)
	all(func(i int) { paids[i], errs[i] = p.Finish(ctx, o, c, q) })
	for i := range n {
		if errs[i] != nil || paids[i] != paids[0] {
			t.Fatalf("%s: Finish %d of %d at once: %+v, %v; want the one payment %+v", p.Name(), i, n, paids[i], errs[i], paids[0])
		}
	}
	all(func(i int) { errs[i] = p.Refund(ctx, o, c, paids[0]) })
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("%s: Refund %d of %d at once: %v", p.Name(), i, n, errs[i])
		}
	}
	return c, paids[0]
}
