package portal

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/portal/devissuer"
	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// fakeChain is a Chain in memory.
type fakeChain struct {
	mu      sync.Mutex
	txs     map[string]*TxView
	careers map[string][]CareerEntry
	down    bool
}

func newFakeChain() *fakeChain {
	return &fakeChain{txs: map[string]*TxView{}, careers: map[string][]CareerEntry{}}
}

func (f *fakeChain) Careers(_ context.Context, addr string) ([]CareerEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, fmt.Errorf("%w: test", ErrChainDown)
	}
	return f.careers[addr], nil
}

func (f *fakeChain) Tx(_ context.Context, id string) (*TxView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, fmt.Errorf("%w: test", ErrChainDown)
	}
	v, ok := f.txs[id]
	if !ok {
		return nil, fmt.Errorf("%w: no tx", ErrNotFound)
	}
	return v, nil
}

func (f *fakeChain) Proof(_ context.Context, id string) ([]byte, error) {
	if _, err := f.Tx(context.Background(), id); err != nil {
		return nil, err
	}
	return []byte(`{"txid":"` + id + `"}`), nil
}

// addCareer records a career of holder at height h and returns its TxID.
func (f *fakeChain) addCareer(holder string, h uint64, claim chain.Claim, rec *RecordView) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("%064x", h*7919+uint64(len(f.txs)))
	tx := &chain.Tx{Type: chain.TypeRegister, Career: &chain.Career{
		Statement:   chain.Statement{Holder: holder, Claim: claim},
		Receipt:     chain.Receipt{Amount: 10000, Currency: "KRW", Provider: "sandbox"},
		Attestation: chain.Attestation{Attester: strings.Repeat("ab", 32)}}}
	if rec == nil {
		rec = &RecordView{Status: "active"}
	}
	f.txs[id] = &TxView{TxID: id, Tx: tx, Result: "accepted", Height: h,
		Block: BlockInfo{Height: h, Digest: strings.Repeat("cd", 32), Time: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC).UnixMilli() + int64(h)}, Record: rec}
	f.careers[holder] = append(f.careers[holder], CareerEntry{TxID: id, Type: chain.TypeRegister, Height: h, Record: rec})
	return id
}

// env is a portal with an in-process dev issuer, both on httptest servers.
type env struct {
	t      *testing.T
	portal *httptest.Server
	issuer *httptest.Server
	srv    *Server
	store  *store.Bolt
	chain  *fakeChain
	// handler is the Server the portal's httptest server calls (a test
	// may swap in a restarted one); dbPath is the store's file.
	handler atomic.Pointer[Server]
	dbPath  string
}

func newEnv(t *testing.T, tweak func(*Options)) *env {
	t.Helper()
	e := &env{t: t, chain: newFakeChain()}
	var ih http.Handler
	e.portal = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.handler.Load().ServeHTTP(w, r) }))
	e.issuer = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ih.ServeHTTP(w, r) }))
	t.Cleanup(e.portal.Close)
	t.Cleanup(e.issuer.Close)
	var err error
	ih, err = devissuer.New(devissuer.Options{Issuer: e.issuer.URL, ClientID: "portal", ClientSecret: "s3cret",
		RedirectURIs: []string{e.portal.URL + "/auth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	e.dbPath = filepath.Join(t.TempDir(), "portal.db")
	e.store, err = store.Open(e.dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	o := Options{PublicURL: e.portal.URL, Issuer: e.issuer.URL, ClientID: "portal", ClientSecret: "s3cret",
		Admins: []string{"dev-admin"}, Chain: e.chain, Store: e.store, SearchFloor: time.Millisecond}
	if tweak != nil {
		tweak(&o)
	}
	e.srv, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	e.handler.Store(e.srv)
	return e
}

// browser is a cookie-keeping client. stopAtCallback makes it stop before
// the portal's /auth/callback, so a test can tamper with the attempt.
type browser struct {
	e              *env
	c              *http.Client
	stopAtCallback bool
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if b.stopAtCallback && req.URL.Path == "/auth/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

func (b *browser) get(path string) (*http.Response, string) {
	b.e.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.e.portal.URL + path
	}
	resp, err := b.c.Get(u)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp, readAll(b.e.t, resp)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.e.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.e.portal.URL + path
	}
	resp, err := b.c.PostForm(u, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return resp, readAll(b.e.t, resp)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var authIDRe = regexp.MustCompile(`name="id" value="([^"]+)"`)

// loginAt goes to the portal's login and signs in at the issuer's page. It
// returns the last response (the callback redirect when stopAtCallback).
func (b *browser) loginAt(email, password string) (*http.Response, string) {
	b.e.t.Helper()
	resp, body := b.get("/login?next=/wallet")
	if !strings.HasPrefix(resp.Request.URL.String(), b.e.issuer.URL+"/login") {
		b.e.t.Fatalf("login did not reach the issuer's page: %s\n%s", resp.Request.URL, body)
	}
	m := authIDRe.FindStringSubmatch(body)
	if m == nil {
		b.e.t.Fatalf("no auth request id on the issuer's page:\n%s", body)
	}
	return b.post(b.e.issuer.URL+"/login", url.Values{"id": {m[1]}, "email": {email}, "password": {password}})
}

func (b *browser) login(email, password string) string {
	b.e.t.Helper()
	resp, body := b.loginAt(email, password)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/wallet" {
		b.e.t.Fatalf("login ended at %s %d:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	return body
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.portal.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)
var challengeRe = regexp.MustCompile(`name="challenge" value="([0-9a-f]+)"`)

func find(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not in page:\n%s", re, body)
	}
	return m[1]
}
