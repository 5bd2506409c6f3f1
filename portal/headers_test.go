package portal

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/sdk/chain"
)

// TestSecurityHeadersOnEveryRoute walks the router and asks every route,
// by its own method and by another, plus error pages and static assets,
// and finds the security headers on every answer.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	e := newEnv(t, nil)
	txid := e.chain.addCareer(goodAddr, 3, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01"}, nil)
	fill := strings.NewReplacer("{addr}", goodAddr, "{txid}", txid, "{lang}", "ko", "*", strings.TrimPrefix(e.srv.assets.url("app.css"), "/static/"))
	type req struct{ method, path string }
	var reqs []req
	seen := map[req]bool{}
	err := chi.Walk(e.srv.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		p := fill.Replace(route)
		other := "POST"
		if method == "POST" {
			other = "GET"
		}
		for _, q := range []req{{method, p}, {other, p}} { // the other: 405 or another route's page
			if !seen[q] {
				seen[q] = true
				reqs = append(reqs, q)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) < 2*14 {
		t.Fatalf("the walk found %d routes; the router has more", len(reqs)/2)
	}
	reqs = append(reqs,
		req{"GET", "/no/such/page"},                   // 404
		req{"GET", "/static/app.0000000000.css"},      // unknown asset
		req{"GET", e.srv.assets.url("app.js")},        // script
		req{"GET", "/a/cc1notanaddress"},              // 400
		req{"GET", "/tx/" + strings.Repeat("ab", 32)}, // unknown tx
		req{"GET", "/search?q=nobody%40example.com"},  // e-mail search, not found
		req{"GET", "/auth/callback?state=x&code=y"},   // refused login
	)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, q := range reqs {
		r, _ := http.NewRequest(q.method, e.portal.URL+q.path, nil)
		resp, err := c.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if strings.HasPrefix(q.path, "/static/") && q.method != "GET" && q.method != "HEAD" && resp.StatusCode < 400 {
			t.Errorf("%s %s: %d; a static file answers GET and HEAD only", q.method, q.path, resp.StatusCode)
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		var missing []string
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				missing = append(missing, want)
			}
		}
		// The verifier's pages (career records, /verify) add exactly
		// 'wasm-unsafe-eval' to script-src, which WebAssembly compilation
		// needs; nothing else unsafe anywhere.
		wasmPage := q.method == "GET" && resp.StatusCode == 200 && (strings.HasPrefix(q.path, "/tx/") && !strings.Contains(q.path[4:], "/") || q.path == "/verify")
		if wasmPage && !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") {
			missing = append(missing, "script-src 'self' 'wasm-unsafe-eval' on a verifier page")
		}
		if strings.Contains(strings.Replace(csp, "script-src 'self' 'wasm-unsafe-eval';", "script-src 'self';", 1), "unsafe-") || (!wasmPage && strings.Contains(csp, "unsafe-")) {
			missing = append(missing, "no unsafe- sources")
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			missing = append(missing, "X-Content-Type-Options: nosniff")
		}
		if rp := h.Get("Referrer-Policy"); rp != "same-origin" && rp != "no-referrer" && rp != "strict-origin-when-cross-origin" {
			missing = append(missing, "Referrer-Policy")
		}
		if h.Get("X-Frame-Options") != "DENY" {
			missing = append(missing, "X-Frame-Options: DENY")
		}
		if len(missing) > 0 {
			t.Errorf("%s %s (%d) lacks %v: %v", q.method, q.path, resp.StatusCode, missing, h)
		}
	}
}
