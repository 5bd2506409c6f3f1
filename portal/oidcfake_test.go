package portal

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/careerchain/careerchain/portal/store"
)

// fakeOP is a tiny OpenID provider: discovery, JWKS, an authorize
// endpoint that signs in at once, and a token endpoint whose ID token a
// test can spoil (claims changed, another key, no signature).
type fakeOP struct {
	srv *httptest.Server
	key *rsa.PrivateKey // published in the JWKS
	// spoil changes the ID token's claims; signWith, if set, signs
	// with another key; unsigned sends an alg "none" token.
	spoil    func(claims map[string]any)
	signWith *rsa.PrivateKey
	unsigned bool
	sub      string // the subject signed in (default op-carol)

	mu    sync.Mutex
	nonce map[string]string // code → nonce
}

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{key: key, nonce: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := op.srv.URL
		json.NewEncoder(w).Encode(map[string]any{"issuer": u, "authorization_endpoint": u + "/authorize",
			"token_endpoint": u + "/token", "jwks_uri": u + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := randomID()
		op.mu.Lock()
		op.nonce[code] = q.Get("nonce")
		op.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusSeeOther)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		op.mu.Lock()
		nonce, ok := op.nonce[r.PostForm.Get("code")]
		delete(op.nonce, r.PostForm.Get("code"))
		op.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600,
			"id_token": op.idToken(t, nonce)})
	})
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *fakeOP) idToken(t *testing.T, nonce string) string {
	now := time.Now()
	claims := map[string]any{"iss": op.srv.URL, "aud": "portal", "sub": op.sub, "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "email": "carol@example.com", "email_verified": true, "name": "Carol Lee"}
	if op.sub == "" {
		claims["sub"] = "op-carol"
	}
	if op.spoil != nil {
		op.spoil(claims)
	}
	payload, _ := json.Marshal(claims)
	if op.unsigned {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
	}
	key := op.key
	if op.signWith != nil {
		key = op.signWith
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Error(err)
		return ""
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		t.Error(err)
		return ""
	}
	s, _ := jws.CompactSerialize()
	return s
}

// TestLoginRefusesBadIDTokens drives the portal's callback with ID tokens
// from a provider that gets one thing wrong each time: each is refused
// with the login-failed page and leaves no session and no account.
func TestLoginRefusesBadIDTokens(t *testing.T) {
	op := newFakeOP(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.Issuer = op.srv.URL })
	for _, c := range []struct {
		name     string
		spoil    func(map[string]any)
		signWith *rsa.PrivateKey
		unsigned bool
	}{
		{name: "wrong audience", spoil: func(c map[string]any) { c["aud"] = "another-client" }},
		{name: "wrong issuer", spoil: func(c map[string]any) { c["iss"] = "https://accounts.example.net" }},
		{name: "issuer with a trailing slash added", spoil: func(c map[string]any) { c["iss"] = op.srv.URL + "/" }},
		{name: "expired", spoil: func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}},
		{name: "wrong nonce", spoil: func(c map[string]any) { c["nonce"] = "not-the-one" }},
		{name: "signed by another key", signWith: other},
		{name: "unsigned", unsigned: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			op.spoil, op.signWith, op.unsigned, op.sub = c.spoil, c.signWith, c.unsigned, "op-"+c.name
			b := e.browser()
			resp, body := b.get("/login?next=/wallet")
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The login did not succeed") ||
				!strings.Contains(body, "Start the login again") || !strings.Contains(body, "<html") {
				t.Fatalf("want a 400 login-failed page, got %d at %s:\n%s", resp.StatusCode, resp.Request.URL, body)
			}
			if strings.Contains(body, "id token") || strings.Contains(body, "{\"") {
				t.Fatalf("the page shows the technical detail:\n%s", body)
			}
			if b.cookie("cc_session") != "" {
				t.Fatal("a refused login left a session cookie")
			}
			if _, err := e.store.Account(t.Context(), store.AccountID(op.srv.URL, op.sub)); err == nil {
				t.Fatal("a refused login created an account")
			}
		})
	}
	// The same provider with nothing spoiled logs in: the refusals above
	// are the spoiled claims', not the fake's.
	op.spoil, op.signWith, op.unsigned, op.sub = nil, nil, false, ""
	resp, body := e.browser().get("/login?next=/wallet")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/wallet" || !strings.Contains(body, "Carol Lee") {
		t.Fatalf("a good token: %d at %s:\n%s", resp.StatusCode, resp.Request.URL, body)
	}
}
