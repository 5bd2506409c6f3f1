// Package devissuer is a local OpenID Connect issuer for `careerd dev` and
// the portal's tests. It is github.com/zitadel/oidc/v3's pkg/op provider
// running in-process as an http.Handler over an in-memory storage, with a
// real login page and a few seeded users, so the portal's login code runs
// the same protocol against it as against Google: discovery, JWKS,
// authorize, token, userinfo, PKCE S256.
//
// Invariants:
//   - It is for development only: users and passwords are fixed and
//     printed, all state lives in memory and is lost at exit.
//   - Exactly one client is registered (Options.ClientID); only its
//     redirect URIs are accepted, and authorization codes require PKCE S256.
//   - An authorization code is used at most once.
//   - The handler is safe for concurrent use.
package devissuer

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a seeded account of the dev issuer.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Password      string
	Admin         bool // only a label on the login page; the portal's config names admins
}

// DefaultUsers are the users `careerd dev` seeds: two freelancers, an
// admin and one whose e-mail is not verified (the portal refuses it).
func DefaultUsers() []User {
	return []User{
		{Subject: "dev-alice", Email: "alice@example.com", EmailVerified: true, Name: "Alice Kim", Password: "alice"},
		{Subject: "dev-bora", Email: "bora@example.com", EmailVerified: true, Name: "Bora Lee", Password: "bora"},
		{Subject: "dev-admin", Email: "admin@example.com", EmailVerified: true, Name: "Dev Admin", Password: "admin", Admin: true},
		{Subject: "dev-unverified", Email: "unverified@example.com", EmailVerified: false, Name: "Unverified User", Password: "unverified"},
	}
}

// Options configures New.
type Options struct {
	Issuer       string   // exact issuer URL, e.g. http://127.0.0.1:7380 (no trailing slash)
	ClientID     string   // the portal's client id
	ClientSecret string   // the portal's client secret
	RedirectURIs []string // the portal's callback URLs
	Users        []User   // nil: DefaultUsers
}

// New returns the issuer's handler, serving at the root of Options.Issuer.
func New(o Options) (http.Handler, error) {
	if o.Issuer == "" || o.ClientID == "" || o.ClientSecret == "" || len(o.RedirectURIs) == 0 {
		return nil, errors.New("devissuer: Issuer, ClientID, ClientSecret and RedirectURIs are required")
	}
	if o.Users == nil {
		o.Users = DefaultUsers()
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	var kid [8]byte
	rand.Read(kid[:])
	st := &storage{o: o, key: key, kid: fmt.Sprintf("%x", kid), reqs: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]*token{}}
	var cryptoKey [32]byte
	rand.Read(cryptoKey[:])
	prov, err := op.NewProvider(&op.Config{
		CryptoKey:          cryptoKey,
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.English, language.Korean},
	}, st, op.StaticIssuer(o.Issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, fmt.Errorf("devissuer: %w", err)
	}
	mux := http.NewServeMux()
	l := &login{st: st, callback: op.AuthCallbackURL(prov)}
	ic := op.NewIssuerInterceptor(prov.IssuerFromRequest)
	mux.HandleFunc("GET /login", l.page)
	mux.Handle("POST /login", ic.HandlerFunc(l.submit))
	mux.Handle("/", prov)
	return mux, nil
}

// authRequest is one authorization request in flight.
type authRequest struct {
	id        string
	created   time.Time
	req       oidc.AuthRequest
	subject   string
	authTime  time.Time
	done      bool
	challenge *oidc.CodeChallenge
}

func (a *authRequest) GetID() string         { return a.id }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string { return []string{a.req.ClientID} }
func (a *authRequest) GetAuthTime() time.Time {
	return a.authTime
}
func (a *authRequest) GetClientID() string                   { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.req.Scopes }
func (a *authRequest) GetState() string                      { return a.req.State }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

type token struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
}

// storage is op.Storage in memory.
type storage struct {
	o   Options
	key *rsa.PrivateKey
	kid string

	mu     sync.Mutex
	reqs   map[string]*authRequest // id → request
	codes  map[string]string       // code → request id
	tokens map[string]*token       // access token id → token
}

var _ op.Storage = (*storage)(nil)

func randID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

func (s *storage) user(sub string) *User {
	for i := range s.o.Users {
		if s.o.Users[i].Subject == sub {
			return &s.o.Users[i]
		}
	}
	return nil
}

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required")
	}
	a := &authRequest{id: randID(), created: time.Now(), req: *r,
		challenge: &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs[a.id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.reqs[id]
	if !ok || time.Since(a.created) > 10*time.Minute {
		return nil, errors.New("devissuer: unknown or expired login request")
	}
	return a, nil
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errors.New("devissuer: unknown code")
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.reqs, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	t := &token{subject: r.GetSubject(), scopes: r.GetScopes(), expires: time.Now().Add(5 * time.Minute)}
	if a, ok := r.(*authRequest); ok {
		t.clientID = a.req.ClientID
	}
	id := randID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[id] = t
	return id, t.expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("devissuer: refresh tokens are not supported")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(_ context.Context, id, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, id)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.kid }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.kid, s.key}, nil
}
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.kid, s.key}}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.o.ClientID {
		return nil, errors.New("devissuer: unknown client")
	}
	return &client{s.o}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	a := sha256.Sum256([]byte(secret))
	b := sha256.Sum256([]byte(s.o.ClientSecret))
	if id != s.o.ClientID || subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return oidc.ErrInvalidClient().WithDescription("wrong client id or secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, sub, _ string, scopes []string) error {
	u := s.user(sub)
	if u == nil {
		return errors.New("devissuer: unknown user")
	}
	ui.Subject = u.Subject
	if slices.Contains(scopes, oidc.ScopeEmail) {
		ui.Email = u.Email
		ui.EmailVerified = oidc.Bool(u.EmailVerified)
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		ui.Name = u.Name
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, id, _, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[id]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("devissuer: unknown or expired token")
	}
	return s.SetUserinfoFromScopes(ctx, ui, t.subject, t.clientID, t.scopes)
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("devissuer: introspection is not supported")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("devissuer: JWT profile is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("devissuer: JWT profile is not supported")
}

func (s *storage) Health(context.Context) error { return nil }

// Sentences the login page shows.
const (
	msgExpired  = "This login request has expired. Go back to the portal and press Log in again."
	msgPassword = "Wrong e-mail or password. The dev users are listed below."
)

// loginError is a sentence for the login page.
type loginError string

func (e loginError) Error() string { return string(e) }

// checkLogin marks the request done for the user if the password matches.
func (s *storage) checkLogin(id, email, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.reqs[id]
	if !ok {
		return loginError(msgExpired)
	}
	for _, u := range s.o.Users {
		if u.Email == email && subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1 {
			a.subject, a.authTime, a.done = u.Subject, time.Now(), true
			return nil
		}
	}
	return loginError(msgPassword)
}

// client is the portal, registered as a web application.
type client struct{ o Options }

func (c *client) GetID() string                       { return c.o.ClientID }
func (c *client) RedirectURIs() []string              { return c.o.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string    { return c.o.Issuer + "/login?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeBearer
}
func (c *client) IDTokenLifetime() time.Duration { return 5 * time.Minute }
func (c *client) DevMode() bool                  { return true } // http:// redirect URIs on loopback
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true } // e-mail claims in the ID token
func (c *client) ClockSkew() time.Duration             { return 0 }

// login is the issuer's login page.
type login struct {
	st       *storage
	callback func(context.Context, string) string
}

func (l *login) page(w http.ResponseWriter, r *http.Request) {
	l.render(w, r.URL.Query().Get("authRequestID"), "", "")
}

func (l *login) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("id")
	if err := l.st.checkLogin(id, r.PostForm.Get("email"), r.PostForm.Get("password")); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		l.render(w, id, r.PostForm.Get("email"), err.Error())
		return
	}
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Careerchain dev login</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}
main{max-width:26rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.1)}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
label{display:block;font-weight:600;margin-top:.8rem}
input{width:100%;box-sizing:border-box;font-size:1rem;padding:.65rem;border:1px solid #9ca3af;border-radius:8px;margin-top:.25rem}
button{margin-top:1.1rem;width:100%;font-size:1rem;padding:.75rem;border:0;border-radius:8px;background:#7c3aed;color:#fff;font-weight:600}
.err{background:#fee2e2;color:#991b1b;padding:.6rem .8rem;border-radius:8px}
.note{font-size:.9rem;color:#4b5563}
table{font-size:.85rem;border-collapse:collapse;width:100%}td{padding:.2rem .3rem;border-top:1px solid #e5e7eb}
</style></head><body><main>
<p class="note">Development sign-in (not Google). This page is the local test issuer that <code>careerd dev</code> runs.</p>
<div class="card">
<h1>Sign in</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="login">
<input type="hidden" name="id" value="{{.ID}}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" value="{{.Email}}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></div>
<p class="note">Dev users (e-mail / password):</p>
<table>{{range .Users}}<tr><td>{{.Email}}</td><td>{{.Password}}</td><td>{{if .Admin}}admin{{else if not .EmailVerified}}e-mail not verified{{end}}</td></tr>{{end}}</table>
</main></body></html>`))

func (l *login) render(w http.ResponseWriter, id, email, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = loginPage.Execute(w, struct {
		ID, Email, Error string
		Users            []User
	}{id, email, cmp.Or(msg, ""), l.st.o.Users})
}
