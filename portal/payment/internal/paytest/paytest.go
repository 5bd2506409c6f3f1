// Package paytest holds what the payment providers' tests share: a
// browser-like walk over a fake's hosted page (read it, press a button,
// follow where it sends the browser) and stand-in servers that fail the
// ways a provider can fail. It is imported by tests only.
package paytest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Page GETs a hosted page and returns its HTML; it fails t unless the
// answer is a 200 HTML page with no JSON in sight.
func Page(t testing.TB, pageURL string) string {
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
