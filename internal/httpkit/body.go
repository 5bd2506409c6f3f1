package httpkit

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

// Errors of ReadBody. Each is the client's doing: a server maps them to
// 413, 400 and 408, never to an internal error.
var (
	// ErrBodyTooLarge reports a body over the server's limit.
	ErrBodyTooLarge = errors.New("httpkit: request body too large")
	// ErrBodyCut reports a body that ended before its Content-Length, or
	// whose connection failed while it was read.
	ErrBodyCut = errors.New("httpkit: request body cut short")
	// ErrBodyTimeout reports a body that did not arrive within the
	// server's read timeout.
	ErrBodyTimeout = errors.New("httpkit: request body too slow")
)

// ReadBody reads r's body, at most limit bytes. A declared Content-Length
// over the limit is refused before anything is read.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, fmt.Errorf("%w: the body is %d bytes, the limit is %d", ErrBodyTooLarge, r.ContentLength, limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return b, nil
	}
	var mbe *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return nil, fmt.Errorf("%w: the body exceeds %d bytes: %w", ErrBodyTooLarge, limit, err)
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return nil, fmt.Errorf("%w: %d bytes arrived before the read timeout; send the body at once", ErrBodyTimeout, len(b))
	case errors.Is(err, io.ErrUnexpectedEOF) && r.ContentLength >= 0:
		return nil, fmt.Errorf("%w: the body ended after %d of its %d bytes (Content-Length); send it whole", ErrBodyCut, len(b), r.ContentLength)
	default:
		return nil, fmt.Errorf("%w: after %d bytes: %w", ErrBodyCut, len(b), err)
	}
}
