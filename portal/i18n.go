package portal

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"golang.org/x/text/language"
)

// Languages the portal speaks, the first the fallback.
var languages = []string{"en", "ko"}

var langMatcher = language.NewMatcher([]language.Tag{language.English, language.Korean})

// catalog is one language's messages: key → text with {name} placeholders.
type catalog map[string]string

// loadCatalogs reads each language's messages from i18n/<lang>.json and
// any i18n/<lang>-<part>.json beside it (one file per area of the portal);
// a key defined twice is an error.
func loadCatalogs(fsys fs.FS) (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range languages {
		parts, err := fs.Glob(fsys, "i18n/"+l+"-*.json")
		if err != nil {
			return nil, fmt.Errorf("portal: catalog %s: %w", l, err)
		}
		c := catalog{}
		for _, name := range append([]string{"i18n/" + l + ".json"}, parts...) {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("portal: catalog %s: %w", l, err)
			}
			var part catalog
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("portal: catalog %s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("portal: catalog %s: key %q is defined twice", name, k)
				}
				c[k] = v
			}
		}
		out[l] = c
	}
	return out, nil
}

// T returns the message key with args (name, value pairs) filled in. A
// missing key shows as itself in brackets; TestCatalogsComplete keeps that
// from shipping.
func (c catalog) T(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// pickLang chooses the page's language: the footer switch's cookie, then
// the browser's Accept-Language, then English.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range languages {
			if c.Value == l {
				return l
			}
		}
	}
	tag, _ := language.MatchStrings(langMatcher, r.Header.Get("Accept-Language"))
	if base, _ := tag.Base(); base.String() == "ko" {
		return "ko"
	}
	return "en"
}
