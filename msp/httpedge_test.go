package msp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
)

// errorLog counts what is logged at ERROR.
type errorLog struct {
	mu   *sync.Mutex
	msgs *[]string
}

func (l errorLog) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelError }
func (l errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	*l.msgs = append(*l.msgs, r.Message)
	l.mu.Unlock()
	return nil
}
func (l errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l errorLog) WithGroup(string) slog.Handler      { return l }

// A join whose body ends before its Content-Length (40 of 1000 bytes, then
// FIN) is answered 400 with a reason, not 500.
func TestJoinCutBodyIsBadRequest(t *testing.T) {
	el := errorLog{mu: new(sync.Mutex), msgs: new([]string)}
	_, _, srv := newBareMSPWith(t, 0, func(cfg *Config) { cfg.Logger = slog.New(el) })
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("POST /api/v1/join HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat(" ", 40))); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error, Code string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Code != "body_cut" || !strings.Contains(e.Error, "40 of its 1000 bytes") {
		t.Errorf("cut body: %d %+v, want 400 body_cut naming 40 of 1000 bytes", resp.StatusCode, e)
	}
	el.mu.Lock()
	defer el.mu.Unlock()
	if len(*el.msgs) > 0 {
		t.Errorf("logged at ERROR: %q", *el.msgs)
	}
}

// The MSP's own server (Run) closes trickled bodies and silent clients.
func TestAPIClosesSlowClients(t *testing.T) {
	const short = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := newBareMSPWith(t, 0, func(cfg *Config) {
		cfg.Listener = ln
		cfg.HTTP = httpkit.Options{ReadHeaderTimeout: short, ReadTimeout: short, IdleTimeout: short}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var conns []net.Conn
	for i := range 4 {
		cn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer cn.Close()
		if i%2 == 0 {
			go func() {
				if _, err := cn.Write([]byte("POST /api/v1/join HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")); err != nil {
					return
				}
				for range 1000 {
					if _, err := cn.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(short / 4)
				}
			}()
		} else if _, err := cn.Write([]byte("POST /api/v1/join HTTP/1.1\r\n")); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, cn)
	}
	for i, cn := range conns {
		_ = cn.SetReadDeadline(time.Now().Add(30 * short))
		// A reset is the server closing it too (it had unread bytes);
		// only the deadline means it is still held.
		if _, err := io.Copy(io.Discard, cn); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("connection %d still held: %v", i, err)
		}
	}
}
