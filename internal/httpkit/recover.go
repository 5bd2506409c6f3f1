package httpkit

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/careerchain/careerchain/sdk/client"
)

// Recover turns a panic in a handler into a logged 500 with code internal;
// the caller learns nothing of it. http.ErrAbortHandler passes through, as
// net/http expects. A panic after the handler began its answer cannot
// change the status: the rest is lost, and the log says so.
func Recover(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("api: panic", "method", r.Method, "path", r.URL.Path, "request_id", RequestIDFrom(r.Context()),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				WriteJSON(w, http.StatusInternalServerError, client.ErrorBody{Error: internalMsg, Code: client.CodeInternal})
			}()
			next.ServeHTTP(w, r)
		})
	}
}
