package httpkit

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAccessLog(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := time.Unix(0, 0)
	now := func() time.Time { clock = clock.Add(5 * time.Millisecond); return clock }
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short"))
	}), RequestID(func() string { return "rid" }), AccessLog(log, AccessLogOptions{Now: now}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/status", nil))
	line := logs.String()
	for _, want := range []string{"level=DEBUG", "method=GET", "path=/api/v1/status", "status=418", "bytes=5", "duration=5ms", "request_id=rid"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %s", line, want)
		}
	}
}

func TestAccessLogServerErrorIsWarn(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil)) // info and above
	h := AccessLog(log, AccessLogOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	h2 := AccessLog(log, AccessLogOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/quiet", nil))
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "status=500") || strings.Contains(logs.String(), "/quiet") {
		t.Errorf("logs %q", logs.String())
	}
}

// The wrapper keeps http.ResponseController working (flush).
func TestAccessLogKeepsFlusher(t *testing.T) {
	h := AccessLog(nil, AccessLogOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
