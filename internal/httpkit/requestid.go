package httpkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// HeaderRequestID carries a request's id, in and out.
const HeaderRequestID = "X-Request-Id"

type requestIDKey struct{}

// RequestID gives every request an id: the caller's X-Request-Id if it is
// 1..64 characters of [A-Za-z0-9._-], else a new one from newID (nil: 16
// random hex digits). The id is in the request's context (RequestIDFrom),
// in the answer's X-Request-Id, and in every log line the kit writes, so
// an operator finds a caller's complaint in the logs.
func RequestID(newID func() string) Middleware {
	if newID == nil {
		newID = randomID
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(HeaderRequestID)
			if !validID(id) {
				id = newID()
			}
			w.Header().Set(HeaderRequestID, id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		})
	}
}

// RequestIDFrom returns the request id RequestID put in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
