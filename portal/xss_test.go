package portal

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// xss is what an attacker types into a field the portal shows back.
const xss = `<script>alert(1)</script>"'><img src=x onerror=1>`

// noMarkup fails if page holds the attacker's markup raw; when escaped is
// set it must also hold the text escaped, so the field was shown at all.
func noMarkup(t *testing.T, where, page string, escaped bool) {
	t.Helper()
	for _, raw := range []string{xss, "<script>alert", "<img src=x", `"'><img`} {
		if strings.Contains(page, raw) {
			t.Errorf("%s: raw markup %q in the page:\n%s", where, raw, page)
		}
	}
	if want := template.HTMLEscapeString(xss); escaped && !strings.Contains(page, want) {
		t.Errorf("%s: the escaped text %q is not in the page:\n%s", where, want, page)
	}
}

// TestXSSEscapedEverywhere puts markup into every field the portal shows
// back — the search box, a claim's fields, a rejection and revocation
// reason, the name and e-mail from the issuer, the error pages' echo of a
// mistyped address or TxID — and finds it escaped each time.
func TestXSSEscapedEverywhere(t *testing.T) {
	op := newFakeOP(t)
	e := newEnv(t, func(o *Options) { o.Issuer = op.srv.URL })
	b := e.browser()

	// Claim fields on the profile and career pages.
	claim := chain.Claim{Role: xss, Organisation: xss, Start: "2022-01-01", Description: xss, Skills: []string{xss, "Go"}}
	revoked := e.chain.addCareer(goodAddr, 4, claim, &RecordView{Status: "revoked", Reason: xss, RevokedBy: strings.Repeat("ab", 32)})
	active := e.chain.addCareer(goodAddr, 5, claim, nil)
	resp, page := b.get("/a/" + goodAddr)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("profile: %d\n%s", resp.StatusCode, page)
	}
	noMarkup(t, "profile", page, true)
	if n := strings.Count(page, template.HTMLEscapeString(xss)); n < 5 {
		t.Errorf("profile shows the escaped text %d times, want role, organisation and reason (≥ 5)", n)
	}
	for _, id := range []string{active, revoked} {
		resp, page = b.get("/tx/" + id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("career: %d\n%s", resp.StatusCode, page)
		}
		noMarkup(t, "career page", page, true)
		if n := strings.Count(page, template.HTMLEscapeString(xss)); n < 4 {
			t.Errorf("career page shows the escaped text %d times, want role, organisation, description, skill (≥ 4)", n)
		}
	}
	// A revocation's reason, and the reason a transaction was rejected.
	rev := strings.Repeat("1f", 32)
	rej := e.chain.addCareer(goodAddr, 7, chain.Claim{Role: "Tester", Organisation: "Co", Start: "2022-01-01"}, nil)
	e.chain.mu.Lock()
	e.chain.txs[rev] = &TxView{TxID: rev, Result: "accepted", Height: 6,
		Tx: &chain.Tx{Type: chain.TypeRevoke, Revoke: &chain.Revoke{Target: active, Reason: xss, By: strings.Repeat("ab", 32)}}}
	e.chain.txs[rej].Result, e.chain.txs[rej].Reason = "rejected", xss
	e.chain.mu.Unlock()
	for _, id := range []string{rev, rej} {
		resp, page = b.get("/tx/" + id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("tx %s: %d\n%s", id, resp.StatusCode, page)
		}
		noMarkup(t, "revocation or rejection", page, true)
	}

	// The search box and the error pages' echo of what was typed.
	for _, path := range []string{
		"/search?q=" + url.QueryEscape(xss),
		"/search?q=" + url.QueryEscape("cc1"+xss),
		"/search?q=" + url.QueryEscape(xss+"@example.com"),
		"/a/" + url.PathEscape(xss),
		"/tx/" + url.PathEscape(xss),
		"/a/" + url.PathEscape(`cc1"'><img src=x onerror=1>`),
		"/tx/" + url.PathEscape(`"'><img src=x onerror=1>`),
		"/no/such/" + url.PathEscape(xss),
	} {
		resp, page := b.get(path)
		if resp.StatusCode < 400 {
			t.Errorf("%s: %d, want an error page", path, resp.StatusCode)
		}
		noMarkup(t, path, page, strings.HasPrefix(path, "/search"))
	}

	// The name and e-mail the issuer sends.
	op.spoil = func(c map[string]any) { c["name"] = xss }
	resp, page = b.get("/login?next=/wallet")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/wallet" {
		t.Fatalf("login with a hostile name: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	noMarkup(t, "wallet page with a hostile name", page, true)
	_, page = b.get("/")
	noMarkup(t, "home page with a hostile name", page, true)
	op.spoil = func(c map[string]any) {
		c["email"], c["email_verified"], c["sub"] = xss+"@example.com", false, "op-unverified"
	}
	resp, page = e.browser().get("/login?next=/wallet")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "Your e-mail is not verified") {
		t.Fatalf("unverified hostile e-mail: %d\n%s", resp.StatusCode, page)
	}
	noMarkup(t, "unverified e-mail page", page, true)
}
