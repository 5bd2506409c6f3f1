package httpkit

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/careerchain/careerchain/sdk/client"
)

// HandlerFunc is a handler that returns its failure instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Responder turns a HandlerFunc's error into the API's JSON refusal
// through the one error table. The caller sees the error's text (or an
// Error's Msg) with its code; a 5xx with code internal shows only
// "internal error" and its detail is logged. Safe for concurrent use.
type Responder struct {
	// Log receives internal errors at error level and, with
	// LogRefusals, every other refusal at warn level (nil: discarded).
	Log *slog.Logger
	// LogRefusals logs every 4xx/5xx with its reason (the MSP does: each
	// refusal of a join or an admin call is worth an operator's look).
	LogRefusals bool
}

// Handle adapts h to an http.HandlerFunc.
func (rs Responder) Handle(h HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rs.Error(w, r, err)
		}
	}
}

// internalMsg is all a caller learns of an internal error.
const internalMsg = "internal error"

// Error writes err as a JSON refusal (client.ErrorBody). A request whose
// client went away (its context cancelled) gets nothing: nobody reads it.
func (rs Responder) Error(w http.ResponseWriter, r *http.Request, err error) {
	log := rs.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	attrs := []any{"method", r.Method, "path", r.URL.Path, "request_id", RequestIDFrom(r.Context())}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		log.Debug("api: client went away", append(attrs, "remote", r.RemoteAddr)...)
		return
	}
	status, code := Lookup(err)
	msg := err.Error()
	if e, ok := explicit(err); ok && e.Msg != "" {
		msg = e.Msg
	} else if code == client.CodeInternal {
		msg = internalMsg
	}
	switch {
	case code == client.CodeInternal:
		log.Error("api: internal error", append(attrs, "err", err)...)
	case rs.LogRefusals:
		log.Warn("api: refused", append(attrs, "remote", r.RemoteAddr, "status", status, "code", code, "reason", err)...)
	}
	WriteJSON(w, status, client.ErrorBody{Error: msg, Code: code})
}
