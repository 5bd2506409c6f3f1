package httpkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestMetricsMiddleware: requests are counted under the route pattern
// with their method and status (a status never written is 200), paths no
// route matched under "unmatched", and the exposition carries the Go and
// process collectors.
func TestMetricsMiddleware(t *testing.T) {
	m := NewMetrics("test")
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/item/{id}", func(w http.ResponseWriter, r *http.Request) {
		if chi.URLParam(r, "id") == "missing" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Write([]byte("ok"))
	})
	r.Method(http.MethodGet, "/metrics", m.Handler())
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, p := range []string{"/item/1", "/item/2", "/item/missing", "/elsewhere/secret-token"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		`test_http_request_duration_seconds_count{code="200",method="GET",route="/item/{id}"} 2`,
		`test_http_request_duration_seconds_count{code="404",method="GET",route="/item/{id}"} 1`,
		`test_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
		"go_goroutines ", "process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	if strings.Contains(body, "secret-token") {
		t.Error("a path became a label")
	}
}

// TestWrappersKeepFlusher: a streaming handler (the portal's server-sent
// events) behind the metrics and access-log middleware still finds an
// http.Flusher; the wrapper once hid it and the stream refused to start.
func TestWrappersKeepFlusher(t *testing.T) {
	m := NewMetrics("test")
	var got bool
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, got = w.(http.Flusher)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/events", nil))
	if !got {
		t.Fatal("the handler behind the metrics middleware gets no http.Flusher")
	}
}
