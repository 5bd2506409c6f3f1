package portal

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// searchLimiter bounds e-mail searches per client address and in all, with
// token buckets. It lives in this process: several portal instances each
// keep their own (a shared store can take it over with the PostgreSQL one).
type searchLimiter struct {
	perMin, burst, globalMin float64
	now                      func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
	global  bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newSearchLimiter(perMin, burst, globalMin float64, now func() time.Time) *searchLimiter {
	return &searchLimiter{perMin: perMin, burst: burst, globalMin: globalMin, now: now, clients: map[string]*bucket{},
		global: bucket{tokens: globalMin, last: now()}}
}

// take spends one token of b, refilled at perMin a minute up to max.
func (b *bucket) take(now time.Time, perMin, max float64) bool {
	b.tokens = min(max, b.tokens+now.Sub(b.last).Minutes()*perMin)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// allow reports whether client may search now.
func (l *searchLimiter) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.clients) > 100_000 {
		for k, b := range l.clients { // forget clients whose buckets are full again
			if now.Sub(b.last).Minutes()*l.perMin >= l.burst {
				delete(l.clients, k)
			}
		}
	}
	b, ok := l.clients[client]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.clients[client] = b
	}
	if !b.take(now, l.perMin, l.burst) {
		return false
	}
	return l.global.take(now, l.globalMin, l.globalMin)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
