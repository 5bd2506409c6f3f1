package portal

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/careerchain/careerchain/portal/store"
)

// oidcClient is the OpenID Connect relying party. The issuer's discovery
// document is read on the first login, and again after a failure, so the
// portal starts (and its public pages work) while the issuer is away.
type oidcClient struct {
	o Options

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	config   oauth2.Config
}

func newOIDCClient(o Options) *oidcClient { return &oidcClient{o: o} }

func (c *oidcClient) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, c.o.HTTPClient)
}

func (c *oidcClient) get(ctx context.Context) (*oidc.IDTokenVerifier, oauth2.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.verifier != nil {
		return c.verifier, c.config, nil
	}
	// NewProvider refuses a discovery document whose issuer is not
	// exactly c.o.Issuer.
	p, err := oidc.NewProvider(c.ctx(ctx), c.o.Issuer)
	if err != nil {
		return nil, oauth2.Config{}, fmt.Errorf("%w: %v", ErrLoginDown, err)
	}
	c.verifier = p.Verifier(&oidc.Config{ClientID: c.o.ClientID, Now: c.o.Now})
	c.config = oauth2.Config{ClientID: c.o.ClientID, ClientSecret: c.o.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: c.o.PublicURL + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	return c.verifier, c.config, nil
}

// loginStart sends the browser to the issuer with a fresh state, nonce and
// PKCE verifier, remembered under a random id in a short-lived cookie.
func (s *Server) loginStart(w http.ResponseWriter, r *http.Request) error {
	_, cfg, err := s.oidc.get(r.Context())
	if err != nil {
		return err
	}
	a := store.LoginAttempt{ID: randomID(), State: randomID(), Nonce: randomID(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.URL.Query().Get("next")), Expires: s.o.Now().Add(s.o.LoginTimeout)}
	if err := s.o.Store.PutLogin(r.Context(), a); err != nil {
		return err
	}
	s.setCookie(w, "cc_login", a.ID, int(s.o.LoginTimeout/time.Second))
	http.Redirect(w, r, cfg.AuthCodeURL(a.State, oidc.Nonce(a.Nonce), oauth2.S256ChallengeOption(a.Verifier)), http.StatusSeeOther)
	return nil
}

// loginCallback finishes the login: the attempt is taken (once), the state
// compared, the code exchanged with the PKCE verifier, the ID token
// verified (signature, issuer, audience, expiry) and its nonce compared,
// and the e-mail must be verified. Then a new session begins.
func (s *Server) loginCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c, err := r.Cookie(s.cookieName("cc_login"))
	if err != nil {
		return userErr(ErrLoginExpired, "err.loginexpired.body")
	}
	s.setCookie(w, "cc_login", "", -1)
	a, err := s.o.Store.TakeLogin(ctx, c.Value)
	if errors.Is(err, store.ErrNotFound) {
		return userErr(ErrLoginExpired, "err.loginexpired.body")
	}
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return &userError{sentinel: ErrLogin, key: "err.login.denied", detail: e + ": " + q.Get("error_description")}
	}
	if st := q.Get("state"); st == "" || subtle.ConstantTimeCompare([]byte(st), []byte(a.State)) != 1 {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "state mismatch"}
	}
	verifier, cfg, err := s.oidc.get(ctx)
	if err != nil {
		return err
	}
	tok, err := cfg.Exchange(s.oidc.ctx(ctx), q.Get("code"), oauth2.VerifierOption(a.Verifier))
	if err != nil {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "code exchange: " + err.Error()}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "no id_token in the token response"}
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "id token: " + err.Error()}
	}
	// Verify does not check the nonce.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.Nonce)) != 1 {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "nonce mismatch"}
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return &userError{sentinel: ErrLogin, key: "err.login.body", detail: "claims: " + err.Error()}
	}
	if claims.Email == "" || claims.EmailVerified == nil || !*claims.EmailVerified {
		return userErr(ErrEmailUnverified, "err.unverified.body", "email", claims.Email)
	}
	acct, err := s.o.Store.UpsertAccount(ctx, store.Account{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email,
		EmailVerified: true, Name: claims.Name, LastLogin: s.o.Now()})
	if err != nil {
		return err
	}
	if err := s.startSession(w, r, acct.ID); err != nil {
		return err
	}
	s.o.Logger.Info("portal: login", "account", acct.ID)
	http.Redirect(w, r, a.Next, http.StatusSeeOther)
	return nil
}
