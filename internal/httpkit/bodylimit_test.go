package httpkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLimitBody(t *testing.T) {
	rs := Responder{}
	h := LimitBody(8, rs)(rs.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if _, err := io.ReadAll(r.Body); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	for _, tc := range []struct {
		name   string
		body   string
		length int64
		status int
	}{
		{"within", "12345678", 8, 204},
		{"declared over", "123456789", 9, 413},
		{"undeclared over", "123456789", -1, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.ContentLength = tc.length
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || (tc.status == 413 && !strings.Contains(w.Body.String(), `"code":"too_large"`)) {
				t.Errorf("answer %d %q, want %d", w.Code, w.Body, tc.status)
			}
		})
	}
}
