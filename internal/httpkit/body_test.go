package httpkit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A body that ends before its Content-Length (40 of 1000 bytes, then FIN)
// is ErrBodyCut: the client's error.
func TestReadBodyCut(t *testing.T) {
	errs := make(chan error, 1)
	addr := serve(t, bodyHandler(errs), Options{})
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("x", 40))); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp := awaitClosed(t, c, 10*time.Second)
	if got := statusOf(t, resp); got != http.StatusBadRequest {
		t.Errorf("status %d, want 400", got)
	}
	err := <-errs
	if !errors.Is(err, ErrBodyCut) || !strings.Contains(err.Error(), "40 of its 1000 bytes") {
		t.Errorf("ReadBody: %v, want ErrBodyCut naming 40 of 1000 bytes", err)
	}
}

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		length int64 // -1: unknown (chunked)
		want   error
	}{
		{"whole", "hello", 5, nil},
		{"at the limit", strings.Repeat("x", 16), 16, nil},
		{"declared too large", "x", 17, ErrBodyTooLarge},
		{"too large, length unknown", strings.Repeat("x", 17), -1, ErrBodyTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			r.ContentLength = tc.length
			b, err := ReadBody(httptest.NewRecorder(), r, 16)
			if !errors.Is(err, tc.want) || (tc.want == nil && string(b) != tc.body) {
				t.Errorf("ReadBody = %q, %v; want %v", b, err, tc.want)
			}
			var mbe *http.MaxBytesError
			if tc.name == "too large, length unknown" && !errors.As(err, &mbe) {
				t.Errorf("%v does not wrap the *http.MaxBytesError", err)
			}
		})
	}
}
