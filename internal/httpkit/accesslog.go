package httpkit

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"time"
)

// AccessLogOptions configures AccessLog. Zero fields take the defaults of
// withDefaults.
type AccessLogOptions struct {
	// Level of the line of a request answered below 500 (default debug:
	// a replica answers many reads). A 5xx is logged at warn.
	Level slog.Level
	// Now is the clock the duration is measured with (default time.Now).
	Now func() time.Time
}

func (o AccessLogOptions) withDefaults() AccessLogOptions {
	o.Level = cmp.Or(o.Level, slog.LevelDebug)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// AccessLog logs one line per request after it is answered: method, path,
// status, bytes written, duration and request id.
func AccessLog(log *slog.Logger, o AccessLogOptions) Middleware {
	o = o.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := o.Now()
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			level := o.Level
			if sw.status >= 500 {
				level = slog.LevelWarn
			}
			if !log.Enabled(r.Context(), level) {
				return
			}
			log.Log(context.WithoutCancel(r.Context()), level, "api: request", "method", r.Method, "path", r.URL.Path,
				"status", sw.statusOr200(), "bytes", sw.bytes, "duration", o.Now().Sub(start), "request_id", RequestIDFrom(r.Context()),
				"remote", r.RemoteAddr)
		})
	}
}

// statusWriter records the status and size of an answer. Unwrap lets
// http.ResponseController reach the connection (flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Flush passes a streaming handler's flush on (server-sent events go
// through these wrappers too).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) statusOr200() int { return cmp.Or(w.status, http.StatusOK) }
