package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// Origin is scheme://host of the request as the client addressed it; the
// fakes build the absolute URLs they hand out from it, so a fake on an
// httptest port or behind `careerd dev`'s listener names itself correctly.
func Origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// NewID is prefix followed by 2n random hex digits.
func NewID(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("wire: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return prefix + hex.EncodeToString(b)
}

// WriteJSON writes v as a JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
		return
	}
	WriteRawJSON(w, status, b)
}

// WriteRawJSON writes b, already JSON, with status.
func WriteRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// minorDigits is how many decimals a currency's minor unit has, for the
// currencies the fakes are likely to show; others have two.
var minorDigits = map[string]int{"KRW": 0, "JPY": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}

// Money is amount (in the currency's minor unit) in words a person reads:
// "5,000 KRW", "12.50 USD".
func Money(amount int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	neg := amount < 0
	if neg {
		amount = -amount
	}
	s := strconv.FormatInt(amount, 10)
	frac := ""
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s, frac = s[:len(s)-digits], "."+s[len(s)-digits:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + frac + " " + currency
}

// layout is the frame of every fake page: a phone-first column, large
// buttons, the fake's name on top so no tester mistakes it for the real
// provider. Pages call {{template "head" .}} and {{template "foot" .}}.
const layout = `{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Provider}}</title>
<link rel="stylesheet" href="{{.Base}}/fake.css">
</head><body><main>
<p class="badge">{{.Provider}} · test mode, no real money moves</p>
<h1>{{.Title}}</h1>{{end}}
{{define "foot"}}</main></body></html>{{end}}`

// CSS is the fakes' style sheet, served at {prefix}/fake.css.
const CSS = `*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#f3f4f6}
main{max-width:28rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.badge{display:inline-block;margin:0;padding:.2rem .6rem;border-radius:1rem;background:#fff3c4;color:#5c4400;font-size:.85rem}
.card{background:#fff;border-radius:.75rem;padding:1rem 1.25rem;margin:0 0 1rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
dl{margin:0}dt{color:#57606a;font-size:.9rem}dd{margin:0 0 .6rem;font-weight:600;overflow-wrap:anywhere}
.amount{font-size:1.6rem}
form{margin:0}
button,.button{display:block;width:100%;margin:0 0 .75rem;padding:.9rem 1rem;border:0;border-radius:.6rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.pay{background:#1a7f37;color:#fff}.decline{background:#fff;color:#a40e26;border:2px solid #a40e26}.cancel{background:#e5e7eb;color:#1b1f24}
.notice{padding:.75rem 1rem;border-radius:.6rem;background:#ffebe9;color:#82071e;margin:0 0 1rem}
.ok{background:#dafbe1;color:#116329}
.hint{color:#57606a;font-size:.9rem}
.card p{margin:0 0 .75rem}
`

// ServeCSS answers GET {prefix}/fake.css.
func ServeCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(CSS))
}

// Pages parses a fake's page templates together with the layout.
func Pages(pages string) *template.Template {
	return template.Must(template.Must(template.New("layout").Parse(layout)).Parse(pages))
}

// Render writes page name of t with data, rendered into a buffer first so
// a template error never leaves half a page.
func Render(w http.ResponseWriter, t *template.Template, status int, name string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "the test page could not be drawn: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Idempotency remembers, per idempotency key, the request it came with and
// the answer given, as card processors do: the same key with the same
// request gets the same answer; with another request it is refused. Its
// owner serialises access (the fakes hold one lock per request).
type Idempotency struct {
	seen map[string]idemAnswer
}

type idemAnswer struct {
	request string
	status  int
	body    []byte // the answer as sent, so later changes do not alter it
}

// replay looks key up: found says an answer is kept; conflict says key
// came with another request.
func (m *Idempotency) replay(key, request string) (status int, body []byte, found, conflict bool) {
	a, ok := m.seen[key]
	if !ok {
		return 0, nil, false, false
	}
	if a.request != request {
		return 0, nil, true, true
	}
	return a.status, a.body, true, false
}

// Serve answers a request that carries idempotency key key (none when ""):
// a kept answer again; conflict() when key came with another request; else
// answer(), kept under key and written when ok (when not ok, answer wrote
// its refusal, which is not kept, so the request may be tried again).
func (m *Idempotency) Serve(w http.ResponseWriter, key, request string, conflict func(), answer func() (v any, ok bool)) {
	if key != "" {
		status, kept, found, conflicts := m.replay(key, request)
		if conflicts {
			conflict()
			return
		}
		if found {
			w.Header().Set("Idempotent-Replayed", "true")
			WriteRawJSON(w, status, kept)
			return
		}
	}
	v, ok := answer()
	switch {
	case !ok:
	case key != "":
		m.keep(w, key, request, http.StatusOK, v)
	default:
		WriteJSON(w, http.StatusOK, v)
	}
}

// keep records the answer v (as JSON) to key's request and writes it.
func (m *Idempotency) keep(w http.ResponseWriter, key, request string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
		return
	}
	if m.seen == nil {
		m.seen = make(map[string]idemAnswer)
	}
	m.seen[key] = idemAnswer{request: request, status: status, body: b}
	WriteRawJSON(w, status, b)
}
