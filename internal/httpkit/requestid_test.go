package httpkit

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	var seen string
	h := RequestID(func() string { return "new-id" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestIDFrom(r.Context())
	}))
	for in, want := range map[string]string{
		"":                      "new-id",
		"caller-7.a_b":          "caller-7.a_b",
		"has space":             "new-id",
		strings.Repeat("x", 65): "new-id",
		"<script>":              "new-id",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if in != "" {
			r.Header.Set(HeaderRequestID, in)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if seen != want || w.Header().Get(HeaderRequestID) != want {
			t.Errorf("in %q: context %q, header %q, want %q", in, seen, w.Header().Get(HeaderRequestID), want)
		}
	}
}

func TestRequestIDDefaultIsRandom(t *testing.T) {
	h := RequestID(nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ids := map[string]bool{}
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		id := w.Header().Get(HeaderRequestID)
		if len(id) != 16 || ids[id] {
			t.Errorf("id %q", id)
		}
		ids[id] = true
	}
	if RequestIDFrom(t.Context()) != "" {
		t.Error("an id outside a request")
	}
}
