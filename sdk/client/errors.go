package client

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a wire error code: the "code" of an ErrorBody. Every Code is an
// error value, so errors.Is(err, CodeReplay) tells a refusal by its code.
// The status each code is answered with is fixed by the servers' one
// error table (internal/httpkit) and documented here.
type Code string

func (c Code) Error() string { return "api: " + string(c) }

// Codes of the replica and the MSP. A code names what was wrong; the
// message next to it says what to do.
const (
	// 400: the request is wrong; fix it.
	CodeMalformed          Code = "malformed"      // not a valid request (field, JSON, parameter)
	CodeMalformedJSON      Code = "malformed_json" // the body is not the expected JSON document
	CodeBodyCut            Code = "body_cut"       // the body ended before its Content-Length
	CodeBadTxID            Code = "bad_txid"
	CodeBadHeight          Code = "bad_height"
	CodeBadLimit           Code = "bad_limit"
	CodeBadCursor          Code = "bad_cursor"
	CodeBadSignature       Code = "bad_signature" // a transaction's signature does not verify
	CodeBadAddress         Code = "bad_address"
	CodeBadAddressChecksum Code = "bad_address_checksum"
	CodeBadKey             Code = "bad_key"
	CodeNonCanonical       Code = "non_canonical"
	CodeWrongChain         Code = "wrong_chain"
	CodeHolderMismatch     Code = "holder_mismatch"
	CodeReceiptMismatch    Code = "receipt_mismatch"
	CodeMissingAttestation Code = "missing_attestation"
	CodeUnknownAttester    Code = "unknown_attester"
	CodeUnknownIssuer      Code = "unknown_issuer"
	CodeUnknownSigner      Code = "unknown_signer"
	CodePoW                Code = "pow"   // the proof-of-work stamp is below the difficulty
	CodeStale              Code = "stale" // a signed request expired or is from the future
	// 401 and 403: the caller is not who may do this.
	CodeUnauthorized  Code = "unauthorized"   // admin or join authentication failed
	CodeBadCredential Code = "bad_credential" // the enrolment credential does not verify
	CodeRefused       Code = "refused"        // the MSP's policy refuses the node (403)
	// 404.
	CodeNotFound      Code = "not_found"
	CodeUnknownTarget Code = "unknown_target" // an amendment or revocation names no record on chain
	// 405, 408, 413.
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeBodyTimeout      Code = "body_timeout"
	CodeTooLarge         Code = "too_large"
	// 409: the request conflicts with the chain or the book.
	CodeReplay      Code = "replay" // already on chain
	CodePaymentUsed Code = "payment_used"
	CodeConflict    Code = "conflict"
	// 422: well-formed, refused by the plugins or the chain.
	CodeRejected   Code = "rejected"
	CodeNotARecord Code = "not_a_record" // a transaction with no career record to prove (GET …/proof)
	// 503 and 504: try again later, or elsewhere.
	CodeNotReady    Code = "not_ready"
	CodeBusy        Code = "busy"
	CodeNotLeader   Code = "not_leader" // also the code of a 307 to the leader
	CodeUnavailable Code = "unavailable"
	CodeTimeout     Code = "timeout"
	// 500: the server failed; the message says nothing more.
	CodeInternal Code = "internal"
	CodeDamaged  Code = "damaged" // this replica's ledger is damaged there; read another replica
)

// Codes returns every code the servers answer with, in the order above.
func Codes() []Code {
	return []Code{CodeMalformed, CodeMalformedJSON, CodeBodyCut, CodeBadTxID, CodeBadHeight, CodeBadLimit, CodeBadCursor,
		CodeBadSignature, CodeBadAddress, CodeBadAddressChecksum, CodeBadKey, CodeNonCanonical, CodeWrongChain,
		CodeHolderMismatch, CodeReceiptMismatch, CodeMissingAttestation, CodeUnknownAttester, CodeUnknownIssuer,
		CodeUnknownSigner, CodePoW, CodeStale, CodeUnauthorized, CodeBadCredential, CodeRefused, CodeNotFound,
		CodeUnknownTarget, CodeMethodNotAllowed, CodeBodyTimeout, CodeTooLarge, CodeReplay, CodePaymentUsed,
		CodeConflict, CodeRejected, CodeNotARecord, CodeNotReady, CodeBusy, CodeNotLeader, CodeUnavailable, CodeTimeout,
		CodeInternal, CodeDamaged}
}

// Categories of failure. Every error a Client returns matches exactly one.
var (
	// ErrInvalid: the server refused the request as wrong (400, 405, 408,
	// 413); sending it again will not help.
	ErrInvalid = errors.New("client: invalid request")
	// ErrUnauthorized: authentication or policy refused it (401, 403).
	ErrUnauthorized = errors.New("client: unauthorized")
	// ErrNotFound: no such transaction, address, block, node or endpoint (404).
	ErrNotFound = errors.New("client: not found")
	// ErrConflict: the request conflicts with what is on chain or in the
	// MSP's book (409): a replay, a used payment id, a taken key.
	ErrConflict = errors.New("client: conflict")
	// ErrRejected: a well-formed transaction the plugins or the chain
	// refuse (422).
	ErrRejected = errors.New("client: rejected")
	// ErrBusy: the server cannot take the request now (503, 429: not
	// ready, busy, in a view change); retry later or elsewhere.
	ErrBusy = errors.New("client: server busy")
	// ErrTimeout: the server gave up waiting (504), e.g. for a commit;
	// the transaction may still commit.
	ErrTimeout = errors.New("client: server timed out")
	// ErrInternal: the server failed (500 and other 5xx).
	ErrInternal = errors.New("client: server error")
	// ErrUnreachable: no answer: the server is down, the address wrong, or
	// the attempt's timeout passed.
	ErrUnreachable = errors.New("client: server unreachable")
	// ErrBadResponse: the server answered something this client cannot
	// read (not the documented JSON, or too large).
	ErrBadResponse = errors.New("client: bad response")
)

// Error is a refusal: the status, the wire code and the server's message.
type Error struct {
	Method, URL string
	Status      int
	Code        Code
	Message     string
	Leader      string // with a 307 (not_leader): the leader's API URL
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.URL, e.Status, string(e.Code), e.Message)
}

// Is matches e's Code and its category.
func (e *Error) Is(target error) bool {
	if c, ok := target.(Code); ok {
		return c == e.Code
	}
	return target == categoryOf(e.Status)
}

// categoryOf returns the category sentinel of an HTTP status.
func categoryOf(status int) error {
	switch status {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusConflict:
		return ErrConflict
	case http.StatusUnprocessableEntity:
		return ErrRejected
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return ErrBusy
	case http.StatusGatewayTimeout:
		return ErrTimeout
	}
	if status >= 500 {
		return ErrInternal
	}
	return ErrInvalid
}

// CodeOf returns the wire code of a refusal, or "" if err is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// retryable reports whether a failed GET is worth another attempt.
func retryable(err error) bool {
	return errors.Is(err, ErrUnreachable) || errors.Is(err, ErrBusy) || errors.Is(err, ErrTimeout)
}
