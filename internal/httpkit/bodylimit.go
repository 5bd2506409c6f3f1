package httpkit

import (
	"fmt"
	"net/http"
)

// LimitBody bounds every request body to limit bytes: a declared
// Content-Length over it is answered 413 (code too_large) before the
// handler runs, and any body is read through http.MaxBytesReader, so a
// handler that reads more gets an error that the table maps to 413.
// ReadBody inside a handler may set a tighter limit.
func LimitBody(limit int64, rs Responder) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				rs.Error(w, r, fmt.Errorf("%w: the body is %d bytes, the limit is %d", ErrBodyTooLarge, r.ContentLength, limit))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}
