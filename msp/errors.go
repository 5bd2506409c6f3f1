package msp

import "errors"

// Sentinel errors. The API maps each to an HTTP status (see api.go).
var (
	ErrBadConfig     = errors.New("msp: bad config")
	ErrMalformed     = errors.New("msp: malformed request")
	ErrBadSignature  = errors.New("msp: bad signature")
	ErrBadCredential = errors.New("msp: bad enrolment credential")
	ErrStale         = errors.New("msp: request expired or from the future")
	ErrPoW           = errors.New("msp: proof of work too weak")
	ErrReplay        = errors.New("msp: replayed request")
	ErrConflict      = errors.New("msp: conflict")
	ErrUnauthorized  = errors.New("msp: unauthorized")
	ErrNotFound      = errors.New("msp: not found")
	ErrRefused       = errors.New("msp: refused by policy")
	ErrUnavailable   = errors.New("msp: no replica reachable")
	ErrRejected      = errors.New("msp: transaction rejected by the chain")
	ErrCorrupt       = errors.New("msp: state store is corrupted")
	ErrClosed        = errors.New("msp: closed")
)
