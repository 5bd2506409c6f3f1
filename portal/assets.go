package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
)

// assets are the embedded static files under names carrying a digest of
// their content (app.css → app.3f2a9c1d.css), served with a year's cache:
// a new release has new names, so no browser keeps a stale file. Relative
// imports between ES modules are rewritten to the hashed names, so a
// module's name changes when a module it imports changes.
type assets struct {
	byName   map[string]string // "wallet.js" → "wallet.<hash>.js"
	byHashed map[string][]byte // "wallet.<hash>.js" → content
	gzipped  map[string][]byte // hashed name → gzip of the content, for large files (see add)
}

var importRe = regexp.MustCompile(`(from\s+|import\s*\(?\s*)"\./([A-Za-z0-9_-]+\.js)"`)

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byName: map[string]string{}, byHashed: map[string][]byte{}, gzipped: map[string][]byte{}}
	entries, err := fs.ReadDir(fsys, "static")
	if err != nil {
		return nil, err
	}
	raw := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), "_test.js") {
			continue
		}
		if e.Name() == verifierWasm { // large: added with a gzip copy below
			b, err := fs.ReadFile(fsys, "static/"+e.Name())
			if err != nil {
				return nil, err
			}
			a.add(e.Name(), b)
			continue
		}
		b, err := fs.ReadFile(fsys, "static/"+e.Name())
		if err != nil {
			return nil, err
		}
		raw[e.Name()] = b
	}
	var visit func(name string, seen map[string]bool) (string, error)
	visit = func(name string, seen map[string]bool) (string, error) {
		if h, ok := a.byName[name]; ok {
			return h, nil
		}
		b, ok := raw[name]
		if !ok {
			return "", fmt.Errorf("portal: static file %q is imported but missing", name)
		}
		if seen[name] {
			return "", fmt.Errorf("portal: import cycle through %s", name)
		}
		seen[name] = true
		var ierr error
		if strings.HasSuffix(name, ".js") {
			b = importRe.ReplaceAllFunc(b, func(m []byte) []byte {
				sub := importRe.FindSubmatch(m)
				h, err := visit(string(sub[2]), seen)
				if err != nil {
					ierr = err
				}
				return []byte(string(sub[1]) + `"./` + h + `"`)
			})
		}
		if ierr != nil {
			return "", ierr
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		h := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[name], a.byHashed[h] = h, b
		return h, nil
	}
	for name := range raw {
		if _, err := visit(name, map[string]bool{}); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// url returns the path of a static file by its plain name.
func (a *assets) url(name string) string {
	h, ok := a.byName[name]
	if !ok {
		panic("portal: template names a static file that does not exist: " + name)
	}
	return "/static/" + h
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	b, ok := a.byHashed[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ct := "application/octet-stream"
	switch path.Ext(name) {
	case ".js":
		ct = "text/javascript; charset=utf-8"
	case ".css":
		ct = "text/css; charset=utf-8"
	case ".svg":
		ct = "image/svg+xml"
	case ".wasm":
		ct = "application/wasm"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	if z, ok := a.gzipped[name]; ok {
		w.Header().Set("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			w.Header().Set("Content-Encoding", "gzip")
			b = z
		}
	}
	w.Write(b)
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
