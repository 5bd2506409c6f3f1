package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
)

// Server is the portal's http.Handler.
type Server struct {
	o      Options
	tmpl   templates
	cats   map[string]catalog
	assets *assets
	oidc   *oidcClient
	search *searchLimiter
	router chi.Router

	trust         *trustRoot    // Options.Genesis, for the in-browser verifier; nil without one
	verifierReady bool          // the verifier's Wasm module is installed
	pub           *public       // sharing, credentials and the network picture (public.go's part 3)
	kick          chan struct{} // wakes Run (claims' background steps)
}

// New returns the portal for o.
func New(o Options) (*Server, error) {
	o = o.withDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	fsys := webFS()
	cats, err := loadCatalogs(fsys)
	if err != nil {
		return nil, err
	}
	a, err := loadAssets(fsys)
	if err != nil {
		return nil, err
	}
	ready := a.installVerifier(o.VerifierWasm, o.VerifierSupport)
	trust, err := newTrustRoot(o.Genesis)
	if err != nil {
		return nil, err
	}
	t, err := parseTemplates(fsys, cats, a)
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, tmpl: t, cats: cats, assets: a,
		oidc:   newOIDCClient(o),
		search: newSearchLimiter(o.SearchPerClient, o.SearchBurst, o.SearchGlobal, o.Now),
		trust:  trust, verifierReady: ready, kick: make(chan struct{}, 1)}
	if !ready {
		o.Logger.Warn("portal: the in-browser verifier is not built (run make verifier): career pages offer the proof file only")
	}
	if s.pub, err = newPublic(o); err != nil {
		return nil, err
	}
	s.router = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	hm := httpkit.NewMetrics("careerchain_portal")
	r := chi.NewRouter()
	r.Use(hm.Middleware, securityHeaders, s.recoverer, s.sessions)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Method(http.MethodGet, "/metrics", hm.Handler())
	r.Get("/static/*", s.assets.ServeHTTP)
	r.Head("/static/*", s.assets.ServeHTTP)
	r.Get("/", s.adapt(s.home))
	r.Get("/search", s.adapt(s.searchPage))
	r.Get("/a/{addr}", s.adapt(s.profile))
	r.Get("/tx/{txid}", s.adapt(s.career))
	r.Get("/tx/{txid}/proof", s.adapt(s.proof))
	r.Get("/lang/{lang}", s.setLang)
	r.Get("/login", s.adapt(s.loginStart))
	r.Get("/auth/callback", s.adapt(s.loginCallback))
	r.Post("/logout", s.adapt(s.logout))
	r.Get("/wallet", s.adapt(s.walletPage))
	r.Post("/wallet/link", s.adapt(s.walletLink))
	r.Post("/account/findable", s.adapt(s.setFindable))
	s.publicRoutes(r)
	s.claimRoutes(r)
	r.NotFound(s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return userErr(ErrNotFound, "err.notfound.page")
	}))
	r.MethodNotAllowed(s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return userErr(ErrNotFound, "err.notfound.page")
	}))
	return r
}

// errNeedLogin sends the browser to the login, back here afterwards.
var errNeedLogin = errors.New("portal: log in first")

type handler func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handler's error into its page (errorPages).
func (s *Server) adapt(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if errors.Is(err, errNeedLogin) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return
		}
		s.errorPage(w, r, err)
	}
}

// errorData is what the error page shows.
type errorData struct {
	Title, Body string
	Next        string // "home", "search", "login", "wallet", "retry"
	Retry       string // this request's URL, for "retry"
	Query       string // what the person typed, to correct in the search box
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	p := pageFor(err)
	cat := s.cats[pickLang(r)]
	d := errorData{Title: cat.T(p.title), Body: cat.T(p.body), Next: p.next, Retry: r.URL.RequestURI(), Query: r.URL.Query().Get("q")}
	if rc := chi.RouteContext(r.Context()); d.Query == "" && rc != nil {
		d.Query = rc.URLParam("addr") + rc.URLParam("txid")
	}
	var ue *userError
	if errors.As(err, &ue) && ue.key != "" {
		d.Body = cat.T(ue.key, ue.args...)
	}
	if p.status >= 500 {
		s.o.Logger.Error("portal: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.o.Logger.Debug("portal: refused", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if p.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	s.render(w, r, p.status, "error", d)
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.o.Logger.Error("portal: panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.errorPage(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// setLang is the footer's language switch: it remembers the choice in a
// cookie and goes back to the page. Only a display preference changes.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	lang := chi.URLParam(r, "lang")
	ok := false
	for _, l := range languages {
		ok = ok || l == lang
	}
	if ok {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.o.secure(), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// localPath returns p if it is a path on this site, else "/": a redirect
// target from a query never leaves the portal.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
