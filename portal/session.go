package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/careerchain/careerchain/portal/store"
)

// Sessions live in the store; the cookie holds only a random 256-bit id.

type ctxKey struct{}

// user is the logged-in person of a request.
type user struct {
	account store.Account
	session store.Session
	admin   bool
}

func userFrom(ctx context.Context) *user {
	u, _ := ctx.Value(ctxKey{}).(*user)
	return u
}

func randomID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func (s *Server) cookieName(base string) string {
	if s.o.secure() {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.o.secure(), SameSite: http.SameSiteLaxMode})
}

// sessions loads the request's session, if any: unknown, idle or expired
// sessions are dropped and the request goes on without one.
func (s *Server) sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.cookieName("cc_session"))
		if err != nil || c.Value == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		now := s.o.Now()
		se, err := s.o.Store.Session(ctx, c.Value)
		if err == nil && now.Sub(se.LastSeen) > s.o.SessionIdle {
			_ = s.o.Store.DeleteSession(ctx, se.ID)
			err = store.ErrNotFound
		}
		var acct store.Account
		if err == nil {
			acct, err = s.o.Store.Account(ctx, se.AccountID)
		}
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.o.Logger.Error("portal: session lookup", "err", err)
			}
			s.setCookie(w, "cc_session", "", -1)
			next.ServeHTTP(w, r)
			return
		}
		if now.Sub(se.LastSeen) > time.Minute {
			se.LastSeen = now
			if err := s.o.Store.PutSession(ctx, se); err != nil {
				s.o.Logger.Error("portal: session touch", "err", err)
			}
		}
		u := &user{account: acct, session: se, admin: acct.Issuer == s.o.Issuer && slices.Contains(s.o.Admins, acct.Subject)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, ctxKey{}, u)))
	})
}

// startSession makes a new session for the account and sets its cookie.
// The id is always new, so an id planted before login is worth nothing.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, accountID string) error {
	if c, err := r.Cookie(s.cookieName("cc_session")); err == nil && c.Value != "" {
		_ = s.o.Store.DeleteSession(r.Context(), c.Value)
	}
	now := s.o.Now()
	se := store.Session{ID: randomID(), AccountID: accountID, CSRF: randomID(), Created: now, LastSeen: now, Expires: now.Add(s.o.SessionLifetime)}
	if err := s.o.Store.PutSession(r.Context(), se); err != nil {
		return err
	}
	s.setCookie(w, "cc_session", se.ID, int(s.o.SessionLifetime/time.Second))
	return nil
}

// requireUser returns the logged-in user or errNeedLogin.
func requireUser(r *http.Request) (*user, error) {
	u := userFrom(r.Context())
	if u == nil {
		return nil, errNeedLogin
	}
	return u, nil
}

// checkPost authorises a state-changing request: a session, its CSRF token
// in the form, and (where the browser says) a same-origin request.
func (s *Server) checkPost(r *http.Request) (*user, error) {
	if err := sameOrigin(r, s.o.PublicURL); err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, userErr(ErrBadForm, "err.form.body")
	}
	u := userFrom(r.Context())
	if u == nil {
		return nil, userErr(ErrCSRF, "err.csrf.nosession")
	}
	tok := r.PostForm.Get("csrf")
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(u.session.CSRF)) != 1 {
		return nil, userErr(ErrCSRF, "err.csrf.body")
	}
	return u, nil
}

// sameOrigin refuses a request that the browser says comes from another
// site or origin.
func sameOrigin(r *http.Request, publicURL string) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return userErr(ErrCSRF, "err.csrf.site")
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if pu, err := url.Parse(publicURL); err == nil && o != pu.Scheme+"://"+pu.Host {
			return userErr(ErrCSRF, "err.csrf.site")
		}
	}
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	if err := s.o.Store.DeleteSession(r.Context(), u.session.ID); err != nil {
		return err
	}
	s.setCookie(w, "cc_session", "", -1)
	http.Redirect(w, r, "/?bye=1", http.StatusSeeOther)
	return nil
}
