package node

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzAPI sends arbitrary requests to a running replica's API handler. Whatever
// the method, path, query and body, the replica must not panic or answer
// 500 (an internal error is a bug: bad input is the client's 4xx), and
// every refusal is a JSON error body with a code. Submissions never wait
// (wait is stripped) so one input cannot hold the fuzzer for the submit
// timeout, and an answer that never comes fails the input. Crashers are
// kept under testdata/fuzz/FuzzAPI.
func FuzzAPI(f *testing.F) {
	c := newCluster(f, 4, false, nil)
	tx := encode(f, c.careerTx(f, wallet(f, "fuzz holder"), 1))
	for _, s := range []struct {
		method, target string
		body           []byte
	}{
		{"POST", "/api/v1/tx", tx},
		{"POST", "/api/v1/tx", []byte(`{"type":"career.register"}`)},
		{"POST", "/api/v1/tx", []byte(`[]`)},
		{"GET", "/api/v1/tx/" + strings.Repeat("0", 64), nil},
		{"GET", "/api/v1/tx/zz/proof", nil},
		{"GET", "/api/v1/address/cc1c0a757bd966cc949027df25ebbcd3d1f23a22ec262cdc60e/careers?limit=-1&cursor=%ff", nil},
		{"GET", "/api/v1/blocks/18446744073709551615?raw=1", nil},
		{"GET", "/api/v1/blocks/0", nil},
		{"GET", "/api/v1/status", nil},
		{"GET", "/api/v1/membership?from=x", nil},
		{"GET", "/readyz", nil},
		{"DELETE", "/api/v1/tx", nil},
	} {
		f.Add(s.method, s.target, s.body)
	}
	h := c.node(0).APIHandler()
	f.Fuzz(func(t *testing.T, method, target string, body []byte) {
		if method != "GET" && method != "POST" && method != "PUT" && method != "DELETE" && method != "HEAD" {
			method = "GET"
		}
		u, err := url.Parse(target)
		if err != nil || !strings.HasPrefix(u.Path, "/") || u.Path == "/metrics" {
			return
		}
		q := u.Query()
		q.Del("wait")
		u.RawQuery = q.Encode()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, method, "http://replica"+u.RequestURI(), bytes.NewReader(body))
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { defer close(done); h.ServeHTTP(w, r) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %s (%d bytes): no answer 10 s after the request, 5 s after its context ended", method, u.RequestURI(), len(body))
		}
		if w.Code >= 500 && w.Code != http.StatusServiceUnavailable && w.Code != http.StatusGatewayTimeout {
			t.Fatalf("%s %s (%d bytes): %d %s", method, u.RequestURI(), len(body), w.Code, w.Body.String())
		}
		if w.Code >= 400 && method != "HEAD" {
			var e struct {
				Error string `json:"error"`
				Code  string `json:"code"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" || e.Code == "" {
				t.Fatalf("%s %s: %d with a body that is not a JSON error: %q", method, u.RequestURI(), w.Code, w.Body.String())
			}
		}
	})
}
