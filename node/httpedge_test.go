package node

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
)

// logRecorder is a slog.Handler that keeps what was logged at warn and
// above, for tests that check what an operator would see.
type logRecorder struct {
	mu   *sync.Mutex
	recs *[]slog.Record
}

func newLogRecorder() logRecorder { return logRecorder{mu: new(sync.Mutex), recs: new([]slog.Record)} }

func (l logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	*l.recs = append(*l.recs, r.Clone())
	l.mu.Unlock()
	return nil
}
func (l logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l logRecorder) WithGroup(string) slog.Handler      { return l }

// errors returns the messages logged at ERROR.
func (l logRecorder) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range *l.recs {
		if r.Level >= slog.LevelError {
			out = append(out, r.Message)
		}
	}
	return out
}

// rawPost sends a POST whose body ends after sent of its declared length
// bytes, then closes its write side, and returns the server's answer.
func rawPost(t *testing.T, addr, path string, declared, sent int) (int, apiErr) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(declared) + "\r\n\r\n" + strings.Repeat(" ", sent)
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a cut body: %v", err)
	}
	defer resp.Body.Close()
	var e apiErr
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e
}

// A body that ends before its Content-Length is the client's error: 400
// with a reason, nothing logged as an internal error.
func TestAPICutBodyIsBadRequest(t *testing.T) {
	rec := newLogRecorder()
	c := newCluster(t, 1, false, func(cfg *Config) { cfg.Logger = slog.New(rec) })
	status, e := rawPost(t, c.apiAddr[0], "/api/v1/tx", 1000, 40)
	if status != http.StatusBadRequest || e.Code != "body_cut" || !strings.Contains(e.Error, "40 of its 1000 bytes") {
		t.Errorf("cut body: %d %+v, want 400 body_cut naming 40 of 1000 bytes", status, e)
	}
	if errs := rec.errors(); len(errs) > 0 {
		t.Errorf("logged at ERROR: %q", errs)
	}
}

// Slow bodies, silent clients and idle connections are closed by the
// replica's API server, and one client address cannot hold more than its
// share of connections.
func TestAPIClosesSlowClients(t *testing.T) {
	const short = 300 * time.Millisecond
	c := newCluster(t, 1, false, func(cfg *Config) {
		cfg.HTTP = httpkit.Options{ReadHeaderTimeout: short, ReadTimeout: short, IdleTimeout: short, MaxConnsPerClient: 8}
	})
	addr := c.apiAddr[0]
	var conns []net.Conn
	for i := range 6 {
		cn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cn.Close()
		switch i % 3 {
		case 0: // a body trickled a byte at a time
			go func() {
				if _, err := cn.Write([]byte("POST /api/v1/tx HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")); err != nil {
					return
				}
				for range 1000 {
					if _, err := cn.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(short / 4)
				}
			}()
		case 1: // claims a large body and goes silent
			if _, err := cn.Write([]byte("POST /api/v1/tx HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n{")); err != nil {
				t.Fatal(err)
			}
		case 2: // never finishes its header
			if _, err := cn.Write([]byte("GET /api/v1/status HTTP/1.1\r\n")); err != nil {
				t.Fatal(err)
			}
		}
		conns = append(conns, cn)
	}
	for i, cn := range conns {
		_ = cn.SetReadDeadline(time.Now().Add(30 * short))
		// A reset is the server closing it too (it had unread bytes);
		// only the deadline means it is still held.
		if _, err := io.Copy(io.Discard, cn); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("connection %d (kind %d) still held: %v", i, i%3, err)
		}
	}
}

func TestAPIBoundsConnectionsPerClient(t *testing.T) {
	c := newCluster(t, 1, false, func(cfg *Config) {
		cfg.HTTP = httpkit.Options{ReadHeaderTimeout: time.Minute, MaxConnsPerClient: 3}
	})
	for range 3 {
		cn, err := net.Dial("tcp", c.apiAddr[0])
		if err != nil {
			t.Fatal(err)
		}
		defer cn.Close()
		if _, err := cn.Write([]byte("GET /api/v1/status HTTP/1.1\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get(c.url(0, "/api/v1/status"))
	if err == nil {
		resp.Body.Close()
		t.Errorf("a fourth connection from one address was served: status %d", resp.StatusCode)
	}
}

// A client that goes away mid-wait is not an internal error: nothing is
// logged at ERROR and nothing is written.
func TestAPIClientGoneIsNotAnError(t *testing.T) {
	rec := newLogRecorder()
	n := &Node{log: slog.New(rec)}
	n.responder = httpkit.Responder{Log: n.log}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/tx?wait=1", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	n.responder.Error(w, r, context.Canceled)
	if errs := rec.errors(); len(errs) > 0 {
		t.Errorf("a departed client was logged at ERROR: %q", errs)
	}
	if w.Body.Len() > 0 {
		t.Errorf("wrote %q to a departed client", w.Body.String())
	}
	// A cancellation while the client is still there is still an error.
	n.responder.Error(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), context.Canceled)
	if len(rec.errors()) != 1 {
		t.Errorf("an internal cancellation was not logged at ERROR")
	}
}
