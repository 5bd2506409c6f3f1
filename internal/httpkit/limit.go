package httpkit

import (
	"net"
	"sync"
)

// LimitPerClient returns a listener that lets each client IP address hold
// at most max connections open at once. A connection beyond that is
// closed at once, before anything is read, so one client cannot take all
// the server's connections. max < 0 returns ln itself.
// The listener is safe for concurrent use, as net.Listener requires.
func LimitPerClient(ln net.Listener, max int) net.Listener {
	if max < 0 {
		return ln
	}
	if max == 0 {
		max = Options{}.WithDefaults().MaxConnsPerClient
	}
	return &limitListener{Listener: ln, max: max, open: map[string]int{}}
}

type limitListener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int // client IP → connections open
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[ip] < l.max
		if ok {
			l.open[ip]++
		}
		l.mu.Unlock()
		if ok {
			return &limitConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		// Closed before anything is read: an answer written before the
		// request would confuse clients (Go's logs it as unsolicited),
		// and reading the request would let the refused hold the accept
		// loop.
		_ = c.Close()
	}
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func clientIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitConn gives its slot back when it is closed, once.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
