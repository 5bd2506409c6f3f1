package httpkit

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve runs h behind NewServer and LimitPerClient on a loopback port
// until the test ends and returns the address.
func serve(t *testing.T, h http.Handler, o Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, o, slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(LimitPerClient(ln, o.WithDefaults().MaxConnsPerClient))
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// awaitClosed reads c until the server closes it and returns what it
// read. It fails the test if the connection is still open after limit: a
// generous bound, so a loaded machine does not fail it, while a server
// without the timeout under test would hold the connection forever.
func awaitClosed(t *testing.T, c net.Conn, limit time.Duration) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v (read so far %q)", limit, b)
	}
	return string(b)
}

// trickle writes s one byte every gap until it is written, the connection
// fails, or stop is closed.
func trickle(c net.Conn, s string, gap time.Duration, stop <-chan struct{}) {
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		select {
		case <-stop:
			return
		case <-time.After(gap):
		}
	}
}

func statusOf(t *testing.T, resp string) int {
	t.Helper()
	r, err := http.ReadResponse(bufio.NewReader(strings.NewReader(resp)), nil)
	if err != nil {
		t.Fatalf("not an HTTP response: %q: %v", resp, err)
	}
	return r.StatusCode
}
