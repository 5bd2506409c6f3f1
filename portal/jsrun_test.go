package portal

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
)

// runJSInBrowser loads testdata/RUNNER in headless Chromium with the
// portal's static assets, the hashed URL of the module under test (as
// ?m=), and the given extra files (URL path → file on disk, or bytes), and
// returns the text the runner writes into #out once it shows #done.
func runJSInBrowser(t *testing.T, runner, module string, files map[string]string, blobs map[string][]byte) string {
	t.Helper()
	ctx := browsertest.New(t, browsertest.Viewport{Width: 800, Height: 600}, 2*time.Minute)
	a, err := loadAssets(webFS())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", a)
	for path, file := range files {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	}
	for path, b := range blobs {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write(b)
		})
	}
	mux.HandleFunc("/"+runner, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		http.ServeFile(w, r, filepath.Join("testdata", runner))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><pre id="out"></pre><p id="done" hidden>done</p><script type="module" src="/` + runner + `?m=` + a.url(module) + `"></script>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("done"))); err != nil {
		t.Fatalf("browser: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("out")))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return text
}
