package httpkit

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLimitPerClient(t *testing.T) {
	addr := serve(t, bodyHandler(nil), Options{MaxConnsPerClient: 2, ReadHeaderTimeout: time.Hour, ReadTimeout: time.Hour, IdleTimeout: time.Hour})
	held := []interface{ Close() error }{}
	for range 2 {
		c := dial(t, addr)
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")); err != nil { // a header never finished
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept both
	third := dial(t, addr)
	if _, err := third.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")); err != nil {
		t.Fatal(err)
	}
	if resp := awaitClosed(t, third, 10*time.Second); resp != "" {
		t.Fatalf("third connection from one address was served: %q", resp)
	}
	// A slot freed is a slot for the next connection.
	held[0].Close()
	var last *http.Response
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		tr := &http.Transport{DisableKeepAlives: true}
		resp, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/", "text/plain", strings.NewReader("ok"))
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if last = resp; resp.StatusCode == http.StatusOK {
			return
		}
	}
	t.Fatalf("no connection served after one was closed (last %v)", last)
}

func TestLimitPerClientNegativeIsUnbounded(t *testing.T) {
	ln := &limitListener{}
	if got := LimitPerClient(ln, -1); got != ln {
		t.Errorf("LimitPerClient(ln, -1) wrapped the listener")
	}
}
