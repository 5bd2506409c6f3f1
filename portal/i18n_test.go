package portal

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var placeholderRe = regexp.MustCompile(`\{[a-z]+\}`)

// TestCatalogsComplete: every language has every key, with the same
// placeholders; every key the templates and the Go code use exists.
func TestCatalogsComplete(t *testing.T) {
	cats, err := loadCatalogs(webFS())
	if err != nil {
		t.Fatal(err)
	}
	en := cats["en"]
	for _, l := range languages {
		for k, v := range en {
			got, ok := cats[l][k]
			if !ok {
				t.Errorf("%s lacks %q", l, k)
				continue
			}
			a, b := placeholderRe.FindAllString(v, -1), placeholderRe.FindAllString(got, -1)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("%s %q has placeholders %v, en has %v", l, k, b, a)
			}
			if strings.TrimSpace(got) == "" {
				t.Errorf("%s %q is empty", l, k)
			}
		}
		for k := range cats[l] {
			if _, ok := en[k]; !ok {
				t.Errorf("%s has %q, which en lacks", l, k)
			}
		}
	}
	used := map[string]string{}
	tkey := regexp.MustCompile(`\bt "([a-z0-9.]+)"`)
	fs.WalkDir(webFS(), "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(webFS(), p)
		for _, m := range tkey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = p
		}
		return nil
	})
	gokey := regexp.MustCompile(`"((?:err|next|wallet|career|profile|home)\.[a-z0-9.]+)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(f)
		for _, m := range gokey.FindAllStringSubmatch(string(b), -1) {
			if strings.HasSuffix(m[1], ".js") {
				continue // a file name in a comment
			}
			used[m[1]] = f
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for k, where := range used {
		if _, ok := en[k]; !ok {
			t.Errorf("%s uses %q, which the catalog lacks", where, k)
		}
	}
	for _, p := range append(errorPages, internalPage) {
		for _, k := range []string{p.title, p.body} {
			if _, ok := en[k]; !ok {
				t.Errorf("error page key %q missing", k)
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	e := newEnv(t, nil)
	get := func(h http.Header, cookie string) string {
		req, _ := http.NewRequest("GET", e.portal.URL+"/", nil)
		req.Header = h
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "lang", Value: cookie})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return readAll(t, resp)
	}
	if b := get(http.Header{"Accept-Language": {"ko-KR,ko;q=0.9,en;q=0.5"}}, ""); !strings.Contains(b, "누구나 확인할 수 있는 경력 기록") || !strings.Contains(b, `lang="ko"`) {
		t.Errorf("Accept-Language ko did not give Korean:\n%s", b)
	}
	if b := get(http.Header{"Accept-Language": {"fr-FR"}}, ""); !strings.Contains(b, "Career records anyone can check") {
		t.Error("an unknown language did not fall back to English")
	}
	if b := get(http.Header{"Accept-Language": {"ko"}}, "en"); !strings.Contains(b, "Career records anyone can check") {
		t.Error("the footer switch's cookie did not win over Accept-Language")
	}
	// The switch sets the cookie and returns to the page, never elsewhere.
	b := e.browser()
	resp, body := b.get("/lang/ko?back=/a/" + goodAddr)
	if resp.Request.URL.Path != "/a/"+goodAddr || !strings.Contains(body, "경력 기록") {
		t.Errorf("switch to ko: %s\n%s", resp.Request.URL, body)
	}
	resp, _ = b.get("/lang/en?back=//evil.example/")
	if resp.Request.URL.Host != strings.TrimPrefix(e.portal.URL, "http://") || resp.Request.URL.Path != "/" {
		t.Errorf("the switch followed an off-site back link to %s", resp.Request.URL)
	}
}

func TestSecurityHeadersAndAssets(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	resp, body := b.get("/")
	h := resp.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
		t.Errorf("headers: %v", h)
	}
	// No inline script or style anywhere in the pages.
	b.login("alice@example.com", "alice")
	_, wallet := b.get("/wallet")
	for _, page := range []string{body, wallet} {
		if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|style="|\son[a-z]+="`).MatchString(page) {
			t.Errorf("inline script or style in a page:\n%s", page)
		}
	}
	css := regexp.MustCompile(`/static/app\.[0-9a-f]{10}\.css`).FindString(body)
	js := regexp.MustCompile(`/static/app\.[0-9a-f]{10}\.js`).FindString(body)
	if css == "" || js == "" {
		t.Fatalf("pages do not link hashed assets:\n%s", body)
	}
	resp, src := b.get(js)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("asset %s: %d %v", js, resp.StatusCode, resp.Header)
	}
	// Imports point at hashed names too, so a changed module changes the
	// name of every module that imports it.
	if !regexp.MustCompile(`from "\./wallet\.[0-9a-f]{10}\.js"`).MatchString(src) {
		t.Errorf("app.js imports are not rewritten:\n%s", src)
	}
	if resp, _ := b.get("/static/app.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unhashed asset name served: %d", resp.StatusCode)
	}
}
