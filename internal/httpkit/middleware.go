package httpkit

import "net/http"

// Middleware wraps a handler: recover, request ids, access logs, body
// limits. Each lives in its own file with its own test.
type Middleware func(http.Handler) http.Handler

// Chain returns h wrapped in ms, the first outermost: Chain(h, a, b)
// runs a, then b, then h.
func Chain(h http.Handler, ms ...Middleware) http.Handler {
	for i := len(ms) - 1; i >= 0; i-- {
		h = ms[i](h)
	}
	return h
}
