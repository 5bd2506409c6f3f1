package httpkit

import (
	"errors"
	"fmt"

	"github.com/careerchain/careerchain/sdk/client"
)

// Error is an error with an explicit wire code. Msg, if set, is what the
// caller is shown instead of Err's text; Err is always what is logged.
// Use it where one failure needs a code of its own (a used payment id, a
// damaged ledger) rather than its sentinel's.
type Error struct {
	Code client.Code
	Msg  string // shown to the caller; "": Err's text (internal codes: a fixed text)
	Err  error  // the detail, logged
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// WithCode returns err with an explicit wire code.
func WithCode(code client.Code, err error) error { return &Error{Code: code, Err: err} }

// Errorf is WithCode with a formatted error.
func Errorf(code client.Code, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// sentinel is a package's sentinel error that carries its wire code.
type sentinel struct {
	code client.Code
	msg  string
}

func (s *sentinel) Error() string { return s.msg }

// Sentinel returns a new sentinel error with text msg ("node: not found")
// that the error table answers with code's status. Packages that serve
// HTTP declare their sentinels with it, so the one table knows them
// without importing them.
func Sentinel(code client.Code, msg string) error { return &sentinel{code: code, msg: msg} }

// SentinelCode returns the wire code a sentinel declared with Sentinel
// carries, or "" for any other error.
func SentinelCode(err error) client.Code {
	if s, ok := err.(*sentinel); ok {
		return s.code
	}
	return ""
}

// Errors of the router: a path, or a method on a path, the API does not have.
var (
	ErrNoEndpoint       = Sentinel(client.CodeNotFound, "httpkit: no such endpoint")
	ErrMethodNotAllowed = Sentinel(client.CodeMethodNotAllowed, "httpkit: method not allowed")
)

// explicit returns the outermost Error on err's chain.
func explicit(err error) (*Error, bool) {
	var e *Error
	return e, errors.As(err, &e)
}
