package msp

import (
	"errors"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/client"
)

// Sentinel errors. The API answers each with its wire code's status
// through httpkit's one error table (those declared with httpkit.Sentinel;
// the others are never a client's doing, and are a 500).
var (
	ErrBadConfig = errors.New("msp: bad config")
	ErrMalformed = httpkit.Sentinel(client.CodeMalformed, "msp: malformed request")
	// ErrBadSignature: a join request not signed by its sign_key. It is an
	// authentication failure (401, code unauthorized), unlike a
	// transaction's bad signature (400, bad_signature).
	ErrBadSignature  = httpkit.Sentinel(client.CodeUnauthorized, "msp: bad signature")
	ErrBadCredential = httpkit.Sentinel(client.CodeBadCredential, "msp: bad enrolment credential")
	ErrStale         = httpkit.Sentinel(client.CodeStale, "msp: request expired or from the future")
	ErrPoW           = httpkit.Sentinel(client.CodePoW, "msp: proof of work too weak")
	ErrReplay        = httpkit.Sentinel(client.CodeReplay, "msp: replayed request")
	ErrConflict      = httpkit.Sentinel(client.CodeConflict, "msp: conflict")
	ErrUnauthorized  = httpkit.Sentinel(client.CodeUnauthorized, "msp: unauthorized")
	ErrNotFound      = httpkit.Sentinel(client.CodeNotFound, "msp: not found")
	ErrRefused       = httpkit.Sentinel(client.CodeRefused, "msp: refused by policy")
	ErrUnavailable   = httpkit.Sentinel(client.CodeUnavailable, "msp: no replica reachable")
	ErrRejected      = httpkit.Sentinel(client.CodeRejected, "msp: transaction rejected by the chain")
	ErrCorrupt       = errors.New("msp: state store is corrupted")
	ErrClosed        = httpkit.Sentinel(client.CodeUnavailable, "msp: closed")
)
