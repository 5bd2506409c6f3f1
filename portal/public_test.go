package portal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
)

const goodAddr = "cc1c0a757bd966cc949027df25ebbcd3d1f23a22ec262cdc60e"

func TestMalformedInputsGetFriendlyPages(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	bad := goodAddr[:len(goodAddr)-1] + "f" // last check digit changed
	for _, c := range []struct{ path, want string }{
		{"/a/" + bad, "check digits) do not match"},
		{"/a/" + strings.ToUpper(bad), "check digits) do not match"},
		{"/a/xx1c0a757bd966cc949027df25ebbcd3d1f23a22ec262cdc60e", "does not start with cc1"},
		{"/a/" + goodAddr[:40], "has 40 characters; a wallet address has 51"},
		{"/a/cc1c0a757bd966cc949027df25ebbcd3d1f23a22ec262cdc6zz", "cannot be in a wallet address"},
		{"/search?q=" + url.QueryEscape(bad), "check digits) do not match"},
		{"/search?q=" + url.QueryEscape(goodAddr[:30]), "has 30 characters"},
		{"/tx/1234", "has 4 characters; a transaction ID has 64"},
		{"/tx/" + strings.Repeat("g", 64), "cannot be in a transaction ID"},
		{"/search?q=" + strings.Repeat("ab", 31), "has 62 characters; a transaction ID has 64"},
		{"/search?q=hello", "Type a wallet address"},
	} {
		resp, body := b.get(c.path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("%s: want 400 with %q, got %d:\n%s", c.path, c.want, resp.StatusCode, body)
		}
		if !strings.Contains(body, `action="/search"`) {
			t.Errorf("%s: the error page offers no way to search again", c.path)
		}
		if typed := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(c.path, "/a/"), "/tx/"), "/search?q="); !strings.Contains(body, `value="`+typed+`"`) {
			t.Errorf("%s: the search box is not filled with what was typed (%q), to correct it", c.path, typed)
		}
	}
	// Unknown TxID and unknown pages: a page that says so, and a way on.
	resp, body := b.get("/tx/" + strings.Repeat("ab", 32))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "The chain has no transaction") || !strings.Contains(body, `href="/"`) {
		t.Errorf("unknown tx: %d\n%s", resp.StatusCode, body)
	}
	resp, body = b.get("/no/such/page")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "There is no page at this address") {
		t.Errorf("unknown page: %d\n%s", resp.StatusCode, body)
	}
	e.chain.down = true
	resp, body = b.get("/a/" + goodAddr)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "The chain is not answering") || !strings.Contains(body, "Try again") {
		t.Errorf("chain down: %d\n%s", resp.StatusCode, body)
	}
}

func TestSearchRedirects(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.stopAtCallback = true
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for q, want := range map[string]string{
		"  " + strings.ToUpper(goodAddr) + " ": "/a/" + goodAddr,
		strings.Repeat("AB", 32):               "/tx/" + strings.Repeat("ab", 32),
	} {
		resp, err := c.Get(e.portal.URL + "/search?q=" + url.QueryEscape(q))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("search %q: %d %q, want %q", q, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

func TestProfileAndCareerPages(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	old := e.chain.addCareer(goodAddr, 3, chain.Claim{Role: "Junior developer", Organisation: "Old Co", Start: "2018-01-01", End: "2019-12-31"}, &RecordView{Status: "revoked", Reason: "the company asked"})
	mid := e.chain.addCareer(goodAddr, 5, chain.Claim{Role: "Backend engineer", Organisation: "Acme", Start: "2020-01-01", End: "2021-12-31"}, &RecordView{Status: "superseded", SupersededBy: strings.Repeat("ef", 32)})
	cur := e.chain.addCareer(goodAddr, 9, chain.Claim{Role: "Staff engineer <script>", Organisation: "Beta & Co", Start: "2022-01-01", Skills: []string{"Go", "SQL"}, Description: "Built the payments API"}, nil)
	resp, body := b.get("/a/" + goodAddr)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("profile: %d\n%s", resp.StatusCode, body)
	}
	i1, i2, i3 := strings.Index(body, cur), strings.Index(body, mid), strings.Index(body, old)
	if i1 < 0 || i2 < 0 || i3 < 0 || !(i1 < i2 && i2 < i3) {
		t.Fatalf("careers not newest first (%d %d %d):\n%s", i1, i2, i3, body)
	}
	for _, want := range []string{"Active", "Amended", "Revoked: the company asked", "See the newer version", "2022-01-01 – ongoing", "Staff engineer &lt;script&gt;", "Beta &amp; Co"} {
		if !strings.Contains(body, want) {
			t.Errorf("profile lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("a claim's text was not escaped")
	}
	resp, body = b.get("/tx/" + cur)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("career: %d\n%s", resp.StatusCode, body)
	}
	for _, want := range []string{"Staff engineer &lt;script&gt;", "Beta &amp; Co", "Built the payments API", "<li>Go</li>", "₩10,000",
		"Block number", "<dd>9</dd>", strings.Repeat("cd", 32), "1 March 2026, 09:30 UTC", "/tx/" + cur + "/proof", "/a/" + goodAddr} {
		if !strings.Contains(body, want) {
			t.Errorf("career page lacks %q", want)
		}
	}
	if strings.Contains(body, `"statement"`) || strings.Contains(body, `{"`) {
		t.Error("raw JSON on the career page")
	}
	resp, body = b.get("/tx/" + cur + "/proof")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(body, cur) {
		t.Errorf("proof download: %d %v", resp.StatusCode, resp.Header)
	}
	// A valid address with nothing on chain is an empty profile, not an error.
	resp, body = b.get("/a/cc1afc458fb8d41d220cb628caf42fa33392ec0b4cf64bf065d")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No career records yet") {
		t.Errorf("empty profile: %d\n%s", resp.StatusCode, body)
	}
}

// linkWallet links a new wallet to b's account through the wallet page,
// as the browser's script does, and returns its address.
func linkWallet(t *testing.T, b *browser) (string, chain.Wallet) {
	t.Helper()
	w, err := chain.NewWallet(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, page := b.get("/wallet")
	csrf, ch := find(t, csrfRe, page), find(t, challengeRe, page)
	sig := ed25519.Sign(w.PrivateKey(), []byte(LinkTag+"\n"+ch+"\n"+w.Address()))
	resp, body := b.post("/wallet/link", url.Values{"csrf": {csrf}, "challenge": {ch}, "address": {w.Address()},
		"public_key": {w.KeyHex()}, "signature": {hex.EncodeToString(sig)}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your wallet is ready") || !strings.Contains(body, w.Address()) {
		t.Fatalf("link: %d\n%s", resp.StatusCode, body)
	}
	return w.Address(), w
}

func TestWalletLinkNeedsTheKey(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.login("alice@example.com", "alice")
	addr, _ := linkWallet(t, b)
	// Someone else's address, with a signature by another key, is refused;
	// so is a replayed or stale challenge and a missing CSRF token.
	other, _ := chain.NewWallet(nil)
	mine, _ := chain.NewWallet(nil)
	_, page := b.get("/wallet")
	csrf, ch := find(t, csrfRe, page), find(t, challengeRe, page)
	for name, c := range map[string]struct {
		form url.Values
		want string
	}{
		"key of another address": {url.Values{"csrf": {csrf}, "challenge": {ch}, "address": {other.Address()}, "public_key": {mine.KeyHex()},
			"signature": {hex.EncodeToString(ed25519.Sign(mine.PrivateKey(), []byte(LinkTag+"\n"+ch+"\n"+other.Address())))}}, "does not belong to this address"},
		"signature by another key": {url.Values{"csrf": {csrf}, "challenge": {ch}, "address": {other.Address()}, "public_key": {other.KeyHex()},
			"signature": {hex.EncodeToString(ed25519.Sign(mine.PrivateKey(), []byte(LinkTag+"\n"+ch+"\n"+other.Address())))}}, "signature did not check out"},
		"stale challenge": {url.Values{"csrf": {csrf}, "challenge": {strings.Repeat("0", 64)}, "address": {other.Address()}, "public_key": {other.KeyHex()},
			"signature": {hex.EncodeToString(ed25519.Sign(other.PrivateKey(), []byte(LinkTag+"\n"+strings.Repeat("0", 64)+"\n"+other.Address())))}}, "out of date"},
		"no csrf": {url.Values{"challenge": {ch}, "address": {other.Address()}, "public_key": {other.KeyHex()},
			"signature": {hex.EncodeToString(ed25519.Sign(other.PrivateKey(), []byte(LinkTag+"\n"+ch+"\n"+other.Address())))}}, "This form has expired"},
	} {
		resp, body := b.post("/wallet/link", c.form)
		if resp.StatusCode < 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	se, _ := e.store.Session(context.Background(), b.cookie("cc_session"))
	if ws, _ := e.store.Wallets(context.Background(), se.AccountID); len(ws) != 1 || ws[0].Address != addr {
		t.Fatalf("wallets after refused links: %+v", ws)
	}
	// Bora cannot link Alice's address, even holding a valid signature form.
	b2 := e.browser()
	b2.login("bora@example.com", "bora")
	_, page = b2.get("/wallet")
	if strings.Contains(page, addr) {
		t.Fatal("Bora's wallet page shows Alice's address")
	}
}

func TestEmailLookupIsOptIn(t *testing.T) {
	e := newEnv(t, nil)
	alice := e.browser()
	alice.login("alice@example.com", "alice")
	addr, _ := linkWallet(t, alice)
	visitor := e.browser()
	resp, body := visitor.get("/search?q=alice%40example.com")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "No one found") || strings.Contains(body, addr) {
		t.Fatalf("before opting in: %d\n%s", resp.StatusCode, body)
	}
	_, page := alice.get("/wallet")
	if strings.Contains(page, `name="findable" checked`) {
		t.Fatal("findable is on by default")
	}
	csrf := find(t, csrfRe, page)
	if resp, _ := alice.post("/account/findable", url.Values{"findable": {"on"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("opt-in without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := alice.post("/account/findable", url.Values{"csrf": {"x" + csrf[1:]}, "findable": {"on"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("opt-in with a wrong CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := visitor.get("/search?q=alice%40example.com"); resp.StatusCode != http.StatusNotFound {
		t.Fatal("a refused opt-in took effect")
	}
	resp, page = alice.post("/account/findable", url.Values{"csrf": {csrf}, "findable": {"on"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Saved.") || !strings.Contains(page, `name="findable" checked`) {
		t.Fatalf("opt-in: %d\n%s", resp.StatusCode, page)
	}
	resp, body = visitor.get("/search?q=ALICE%40example.com")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/a/"+addr {
		t.Fatalf("after opting in: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	// Exact only: a prefix finds nothing.
	if resp, _ := visitor.get("/search?q=alice%40example.co"); resp.StatusCode != http.StatusNotFound {
		t.Fatal("a partial e-mail found someone")
	}
	// Opting out again hides the address.
	alice.post("/account/findable", url.Values{"csrf": {csrf}})
	if resp, _ := visitor.get("/search?q=alice%40example.com"); resp.StatusCode != http.StatusNotFound {
		t.Fatal("opting out did not hide the address")
	}
}

func TestEmailLookupRateLimit(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SearchPerClient, o.SearchBurst = 0.001, 3 })
	b := e.browser()
	for i := 0; i < 3; i++ {
		if resp, _ := b.get("/search?q=nobody%40example.com"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("search %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := b.get("/search?q=nobody%40example.com")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "Too many searches") || !strings.Contains(body, "Wait a minute") || !strings.Contains(body, "<html") {
		t.Fatalf("over the limit: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	// Address searches are not limited.
	if resp, _ := b.get("/a/" + goodAddr); resp.StatusCode != http.StatusOK {
		t.Fatalf("address lookup after the e-mail limit: %d", resp.StatusCode)
	}
}

func TestEmailLookupGlobalLimit(t *testing.T) {
	now := func() time.Time { return time.Unix(1e9, 0) }
	l := newSearchLimiter(10, 5, 3, now)
	for i, want := range []bool{true, true, true, false} {
		if got := l.allow(fmt.Sprint("client", i)); got != want {
			t.Fatalf("search %d from a new client: %v, want %v", i, got, want)
		}
	}
}

// TestRevokedRecordShowsItsReason: a revoked record's page and its print
// view say why it was revoked, in the holder's or admin's own words (the
// page once showed the transaction's empty rejection reason instead).
func TestRevokedRecordShowsItsReason(t *testing.T) {
	e := newEnv(t, nil)
	claim := chain.Claim{Role: "Designer", Organisation: "Acme", Start: "2022-01-01"}
	id := e.chain.addCareer(goodAddr, 4, claim, &RecordView{Status: "revoked", Reason: "entered by mistake", RevokedBy: strings.Repeat("ab", 32)})
	b := e.browser()
	for _, path := range []string{"/tx/" + id, "/tx/" + id + "/print"} {
		resp, page := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if !strings.Contains(page, "Reason given: entered by mistake") {
			t.Errorf("%s does not give the revocation's reason", path)
		}
	}
}
