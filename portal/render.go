package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/verify"
)

//go:embed web
var embedded embed.FS

// webFS returns the embedded web directory (templates, static, i18n).
func webFS() fs.FS {
	sub, err := fs.Sub(embedded, "web")
	if err != nil {
		panic(err)
	}
	return sub
}

// pages are the templates, each parsed with the layout, once per language.
var pageNames = []string{"home", "profile", "career", "wallet", "results", "error", "verify", "print", "network"}

type templates map[string]map[string]*template.Template // lang → page → template

func parseTemplates(fsys fs.FS, cats map[string]catalog, a *assets) (templates, error) {
	out := templates{}
	for _, lang := range languages {
		cat := cats[lang]
		funcs := template.FuncMap{
			"t":     cat.T,
			"asset": a.url,
			"date":  func(ms int64) string { return formatTime(lang, ms) },
			"short": short,
			"add":   func(a, b int) int { return a + b },
			"steps": verify.Steps,
			"slug":  func(s string) string { return strings.ReplaceAll(s, " ", "_") },
		}
		out[lang] = map[string]*template.Template{}
		for _, p := range pageNames {
			t, err := template.New(p).Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials/*.html", "templates/"+p+".html")
			if err != nil {
				return nil, fmt.Errorf("portal: template %s: %w", p, err)
			}
			out[lang][p] = t
		}
	}
	return out, nil
}

func formatTime(lang string, ms int64) string {
	if ms <= 0 {
		return ""
	}
	t := time.UnixMilli(ms).UTC()
	if lang == "ko" {
		return fmt.Sprintf("%d년 %d월 %d일 %s UTC", t.Year(), int(t.Month()), t.Day(), t.Format("15:04"))
	}
	return t.Format("2 January 2006, 15:04 UTC")
}

// short shortens a long hex string for a label: the full value stays in
// the page wherever it is needed.
func short(s string) string {
	if len(s) <= 20 {
		return s
	}
	return s[:10] + "…" + s[len(s)-6:]
}

// view is what every page template gets.
type view struct {
	Lang       string
	Page       string
	User       *store.Account
	Admin      bool
	CSRF       string
	Here       string // this page's path and query, for the language switch
	IssuerName string
	D          any
}

// render executes page into a buffer, then writes it: a template error
// never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	lang := pickLang(r)
	v := view{Lang: lang, Page: page, Here: r.URL.RequestURI(), IssuerName: s.o.IssuerName, D: data}
	if u := userFrom(r.Context()); u != nil {
		v.User, v.CSRF, v.Admin = &u.account, u.session.CSRF, u.admin
	}
	var buf bytes.Buffer
	if err := s.tmpl[lang][page].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.o.Logger.Error("portal: template failed", "page", page, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, s.cats[lang].T("err.internal.body"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	if v.User != nil || strings.HasPrefix(r.URL.Path, "/wallet") {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
