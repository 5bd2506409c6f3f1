package httpkit

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bodyHandler reads the body with ReadBody and answers its length, or the
// error's status.
func bodyHandler(errs chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := ReadBody(w, r, 1<<20)
		if errs != nil {
			select {
			case errs <- err:
			default:
			}
		}
		switch {
		case errors.Is(err, ErrBodyTooLarge):
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		case errors.Is(err, ErrBodyCut):
			w.WriteHeader(http.StatusBadRequest)
		case errors.Is(err, ErrBodyTimeout):
			w.WriteHeader(http.StatusRequestTimeout)
		case err != nil:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			fmt.Fprint(w, len(b))
		}
	}
}

const short = 300 * time.Millisecond

func TestServerClosesSilentHeader(t *testing.T) {
	addr := serve(t, bodyHandler(nil), Options{ReadHeaderTimeout: short, ReadTimeout: time.Hour, WriteTimeout: time.Hour, IdleTimeout: time.Hour})
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\n")); err != nil { // and never the rest
		t.Fatal(err)
	}
	awaitClosed(t, c, 20*short)
}

func TestServerClosesTricklingBody(t *testing.T) {
	errs := make(chan error, 1)
	addr := serve(t, bodyHandler(errs), Options{ReadTimeout: short, WriteTimeout: time.Hour, IdleTimeout: time.Hour})
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go trickle(c, strings.Repeat("x", 1000), short/6, stop)
	resp := awaitClosed(t, c, 20*short)
	if got := statusOf(t, resp); got != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", got)
	}
	if err := <-errs; !errors.Is(err, ErrBodyTimeout) {
		t.Errorf("ReadBody: %v, want ErrBodyTimeout", err)
	}
}

func TestServerClosesSilentBody(t *testing.T) {
	addr := serve(t, bodyHandler(nil), Options{ReadTimeout: short, WriteTimeout: time.Hour, IdleTimeout: time.Hour})
	c := dial(t, addr)
	// Claims a body within the limit, then goes silent.
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\nabc")); err != nil {
		t.Fatal(err)
	}
	awaitClosed(t, c, 20*short)
}

func TestServerRefusesHugeDeclaredBody(t *testing.T) {
	addr := serve(t, bodyHandler(nil), Options{})
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 12)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(buf); err != nil || string(buf) != "HTTP/1.1 413" {
		t.Fatalf("read %q, %v; want a 413 at once", buf, err)
	}
}

func TestServerClosesIdle(t *testing.T) {
	addr := serve(t, bodyHandler(nil), Options{IdleTimeout: short, ReadTimeout: time.Hour, WriteTimeout: time.Hour})
	c := dial(t, addr)
	if _, err := c.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab")); err != nil {
		t.Fatal(err)
	}
	resp := awaitClosed(t, c, 20*short) // the answer, then the idle close
	if !strings.HasPrefix(resp, "HTTP/1.1 200") || !strings.HasSuffix(resp, "2") {
		t.Errorf("response %q, want 200 with body 2", resp)
	}
}

// A handler that waits longer than ReadTimeout after reading its body (a
// long poll) is neither cancelled nor cut: ReadTimeout covers the request,
// WriteTimeout the wait.
func TestServerLongWaitOutlivesReadTimeout(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := ReadBody(w, r, 100); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		select {
		case <-time.After(3 * short):
			fmt.Fprint(w, "waited")
		case <-r.Context().Done():
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	addr := serve(t, h, Options{ReadTimeout: short, WriteTimeout: time.Hour})
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: the wait was cut", resp.StatusCode)
	}
}

func TestServerWriteTimeoutEndsStuckHandler(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	})
	addr := serve(t, h, Options{WriteTimeout: short, ReadTimeout: time.Hour, IdleTimeout: time.Hour})
	c := dial(t, addr)
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// The handler never returns; the connection's write deadline passes,
	// and nothing it writes reaches the client. Release it, and the
	// server must close the connection rather than keep it.
	time.Sleep(2 * short)
	release <- struct{}{}
	awaitClosed(t, c, 20*short)
}

func TestWithDefaultsFillsEveryTimeout(t *testing.T) {
	o := Options{}.WithDefaults()
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": o.ReadHeaderTimeout, "ReadTimeout": o.ReadTimeout,
		"WriteTimeout": o.WriteTimeout, "IdleTimeout": o.IdleTimeout} {
		if d <= 0 {
			t.Errorf("%s = %v", name, d)
		}
	}
	if o.MaxConnsPerClient <= 0 || o.MaxHeaderBytes <= 0 {
		t.Errorf("limits %+v", o)
	}
	srv := NewServer(http.NotFoundHandler(), Options{ReadTimeout: time.Minute}, nil)
	if srv.ReadTimeout != time.Minute || srv.WriteTimeout != o.WriteTimeout || srv.ReadHeaderTimeout != o.ReadHeaderTimeout || srv.IdleTimeout != o.IdleTimeout {
		t.Errorf("server timeouts %v %v %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}
