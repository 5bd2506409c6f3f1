package portal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/careerchain/careerchain/portal/payment/fake"
	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// fakeSubmitter stands for the chain's submission pipeline in handler
// tests: Check refuses a role "Refused" the way the validator plugin does,
// Submit commits each TxID once and counts every call, and fail makes the
// next Submit calls find no replica.
type fakeSubmitter struct {
	mu      sync.Mutex
	commits map[string]int // TxID → times committed (must stay ≤ 1)
	calls   int
	fail    int // Submit calls still to fail with ErrUnavailable
	height  uint64
	txs     map[string]*chain.Tx
}

func newFakeSubmitter() *fakeSubmitter {
	return &fakeSubmitter{commits: map[string]int{}, txs: map[string]*chain.Tx{}}
}

func (f *fakeSubmitter) Check(_ context.Context, tx *chain.Tx) ([]middleware.PluginResult, error) {
	if tx.Career == nil {
		return nil, nil
	}
	out := []middleware.PluginResult{{Plugin: "career-validator", Verdict: middleware.Accept}}
	if tx.Career.Statement.Claim.Role == "Refused" {
		out[0] = middleware.PluginResult{Plugin: "career-validator", Verdict: middleware.Reject, Code: "bad_text", Reason: "role is not sensible"}
		return out, fmt.Errorf("%w by plugin career-validator (bad_text): role is not sensible", middleware.ErrRejected)
	}
	out = append(out, middleware.PluginResult{Plugin: "authenticity-scorer", Verdict: middleware.Accept, ScorePPM: 870000})
	return out, nil
}

func (f *fakeSubmitter) Submit(ctx context.Context, tx *chain.Tx) (*middleware.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail > 0 {
		f.fail--
		return nil, fmt.Errorf("%w: 5 attempts, last: connection refused", middleware.ErrUnavailable)
	}
	id := chain.TxID(tx)
	if _, done := f.txs[id]; !done {
		f.height++
		f.commits[id]++
		f.txs[id] = tx
	}
	return &middleware.Result{TxID: id, Status: "accepted", Height: f.height, Attempts: 2}, nil
}

func (f *fakeSubmitter) committed() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.commits {
		out[k] = v
	}
	return out
}

// claimEnv is a portal with claims on: the real payment clients against
// the payment fakes (package fake) on their own server, keys the "chain"
// names, and a fakeSubmitter.
type claimEnv struct {
	*env
	pay       *fake.Set
	paySrv    *httptest.Server
	sub       *fakeSubmitter
	payKey    ed25519.PrivateKey
	attestKey ed25519.PrivateKey
}

func newClaimEnv(t *testing.T) *claimEnv {
	t.Helper()
	ce := &claimEnv{sub: newFakeSubmitter()}
	_, ce.payKey, _ = ed25519.GenerateKey(rand.Reader)
	_, ce.attestKey, _ = ed25519.GenerateKey(rand.Reader)
	ce.pay = fake.New(fake.Options{})
	ce.paySrv = httptest.NewServer(ce.pay)
	t.Cleanup(ce.paySrv.Close)
	t.Cleanup(func() { ce.pay.Close() })
	clients, err := fake.NewClients(ce.paySrv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ce.env = newEnv(t, func(o *Options) {
		o.Claims = &ClaimOptions{ChainID: "careerchain-test", Fee: 10000, Currency: "KRW", Providers: clients.All(),
			PaymentKey: ce.payKey, AttesterKey: ce.attestKey, Submitter: ce.sub, MaxFileSize: 64 << 10, MaxFiles: 3}
	})
	ce.pay.Card.SetWebhookURL(ce.portal.URL + "/pay/webhook/card")
	return ce
}

// holder is a logged-in person with a linked wallet whose key the test
// holds (as the browser would).
type holder struct {
	*browser
	w    chain.Wallet
	csrf string
}

func (ce *claimEnv) holder(email, pass string) *holder {
	t := ce.t
	t.Helper()
	b := ce.browser()
	b.login(email, pass)
	w, err := chain.NewWallet(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, body := b.get("/wallet")
	ch := find(t, challengeRe, body)
	csrf := find(t, csrfRe, body)
	priv := ed25519.NewKeyFromSeed(w.Seed())
	sig := ed25519.Sign(priv, []byte(LinkTag+"\n"+ch+"\n"+w.Address()))
	resp, body := b.post("/wallet/link", url.Values{"csrf": {csrf}, "challenge": {ch}, "address": {w.Address()},
		"public_key": {w.KeyHex()}, "signature": {hex.EncodeToString(sig)}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("link: %d\n%s", resp.StatusCode, body)
	}
	return &holder{browser: b, w: w, csrf: csrf}
}

func (ce *claimEnv) admin() *holder {
	b := ce.browser()
	b.login("admin@example.com", "admin")
	_, body := b.get("/review")
	return &holder{browser: b, csrf: find(ce.t, csrfRe, body)}
}

type upload struct {
	name string
	data []byte
	sum  string // the browser's SHA-256; "" computes the right one, "-" sends none
}

// postClaim posts the new-career form as the browser does.
func (h *holder) postClaim(path string, fields url.Values, files ...upload) (*http.Response, string) {
	t := h.e.t
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if fields["csrf"] == nil {
		fields.Set("csrf", h.csrf)
	}
	var sums []string
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("evidence", f.name)
		fw.Write(f.data)
		switch f.sum {
		case "":
			s := sha256.Sum256(f.data)
			sums = append(sums, hex.EncodeToString(s[:]))
		case "-":
		default:
			sums = append(sums, f.sum)
		}
	}
	if len(sums) > 0 {
		mw.WriteField("evidence_sha256", strings.Join(sums, ","))
	}
	mw.Close()
	resp, err := h.c.Post(h.e.portal.URL+path, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readAll(t, resp)
}

func (h *holder) claimFields(role string) url.Values {
	return url.Values{"wallet": {h.w.Address()}, "role": {role}, "organisation": {"Acme"}, "start": {"2021-03-01"},
		"end": {"2023-02-28"}, "description": {"Built the billing service."}, "skills": {"Go, SQL"}}
}

var claimPathRe = regexp.MustCompile(`^/careers/([0-9a-f]{32})$`)

var pdf = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

// draft makes a claim with one evidence file and returns its ID.
func (h *holder) draft(role string) string {
	t := h.e.t
	t.Helper()
	resp, body := h.postClaim("/careers/new", h.claimFields(role), upload{name: "contract.pdf", data: pdf})
	m := claimPathRe.FindStringSubmatch(resp.Request.URL.Path)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("draft ended at %s %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return m[1]
}

func (ce *claimEnv) claim(id string) store.Claim {
	ce.t.Helper()
	c, err := ce.store.Claim(context.Background(), id)
	if err != nil {
		ce.t.Fatal(err)
	}
	return c
}

// signature is the holder's signature over the claim's statement.
func (h *holder) signature(c store.Claim) string {
	sig, err := chain.SignStatement(h.w, c.Statement)
	if err != nil {
		h.e.t.Fatal(err)
	}
	return sig
}

func (h *holder) sign(ce *claimEnv, id string) {
	t := ce.t
	t.Helper()
	c := ce.claim(id)
	resp, body := h.post("/careers/"+id+"/sign", url.Values{"csrf": {h.csrf}, "consent": {"yes"}, "digest": {c.Statement.Digest()}, "holder_sig": {h.signature(c)}})
	if resp.StatusCode != http.StatusOK || ce.claim(id).State != store.StateSigned {
		t.Fatalf("sign: %d state %s\n%s", resp.StatusCode, ce.claim(id).State, body)
	}
}

var formActionRe = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// payAt begins the payment with a provider and returns the provider's page.
// The checkout page's way on, which a browser follows by itself.
var toProviderRe = regexp.MustCompile(`id="to-provider" href="([^"]+)"`)

func (h *holder) payAt(id, provider string) (*http.Response, string) {
	resp, body := h.post("/careers/"+id+"/pay", url.Values{"csrf": {h.csrf}, "provider": {provider}})
	if resp.Request.URL.Path != "/careers/"+id+"/checkout" {
		return resp, body
	}
	return h.get(html.UnescapeString(find(h.e.t, toProviderRe, body)))
}

// choose presses a button on the provider's page (a sandbox or KakaoPay
// choice) and follows the way back to the portal.
func (h *holder) choose(page *http.Response, body, field, value string) (*http.Response, string) {
	t := h.e.t
	t.Helper()
	m := formActionRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form on the provider's page %s:\n%s", page.Request.URL, body)
	}
	action, _ := page.Request.URL.Parse(m[1])
	return h.post(action.String(), url.Values{field: {value}})
}

// paySandbox pays the claim in the sandbox with the tester's choice.
func (h *holder) paySandbox(id, choice string) (*http.Response, string) {
	t := h.e.t
	t.Helper()
	page, body := h.payAt(id, "sandbox")
	if !strings.Contains(page.Request.URL.Path, "/sandbox/checkout/") {
		t.Fatalf("pay did not reach the sandbox: %s\n%s", page.Request.URL, body)
	}
	return h.choose(page, body, "choice", choice)
}

// params are the chain's stateless-check parameters naming the env's keys.
func (ce *claimEnv) params() chain.Params {
	key := func(k ed25519.PrivateKey) map[string]bool {
		return map[string]bool{hex.EncodeToString(k.Public().(ed25519.PublicKey)): true}
	}
	return chain.Params{ChainID: "careerchain-test", Attesters: key(ce.attestKey), PaymentIssuers: key(ce.payKey)}
}
