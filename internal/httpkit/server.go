package httpkit

import (
	"cmp"
	"log/slog"
	"net/http"
	"time"
)

// Options configures NewServer and LimitPerClient. Zero fields take the
// defaults of WithDefaults.
type Options struct {
	// ReadHeaderTimeout bounds the reading of a request's header
	// (default 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request, body included
	// (default 30 s): a body trickled a byte at a time is cut off.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its header to the end
	// of its answer (default 60 s). It must exceed the longest wait a
	// handler makes before answering.
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a kept-alive
	// connection (default 120 s).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header (default 64 KiB).
	MaxHeaderBytes int
	// MaxConnsPerClient bounds the connections one client IP address
	// holds open at once (default 64); further ones are closed at once.
	// Negative: no bound.
	MaxConnsPerClient int
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	o.ReadHeaderTimeout = cmp.Or(o.ReadHeaderTimeout, 10*time.Second)
	o.ReadTimeout = cmp.Or(o.ReadTimeout, 30*time.Second)
	o.WriteTimeout = cmp.Or(o.WriteTimeout, 60*time.Second)
	o.IdleTimeout = cmp.Or(o.IdleTimeout, 120*time.Second)
	o.MaxHeaderBytes = cmp.Or(o.MaxHeaderBytes, 64<<10)
	o.MaxConnsPerClient = cmp.Or(o.MaxConnsPerClient, 64)
	return o
}

// NewServer returns a server for h with o's timeouts; the server's own
// errors (a bad TLS handshake, an accept error) go to log at warn level
// (nil: discarded). Serve it on LimitPerClient(ln, o.MaxConnsPerClient).
func NewServer(h http.Handler, o Options, log *slog.Logger) *http.Server {
	o = o.WithDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
