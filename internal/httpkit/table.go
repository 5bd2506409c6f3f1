package httpkit

import (
	"context"
	"errors"
	"net/http"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Row is one line of the error table: a wire code, the status it is
// answered with, and the sentinels of packages that cannot declare their
// own code (sdk/chain, pbft, this package, the context package) that map
// to it.
type Row struct {
	Code   client.Code
	Status int
	Errs   []error
}

// table is the one error → status/code table of every Careerchain API.
// Each wire code has exactly one row, so a code always means one status.
// Read-only; Table returns a copy.
var table = []Row{
	{client.CodeMalformed, http.StatusBadRequest, []error{chain.ErrMalformed, chain.ErrCanonical}},
	{client.CodeMalformedJSON, http.StatusBadRequest, nil},
	{client.CodeBodyCut, http.StatusBadRequest, []error{ErrBodyCut}},
	{client.CodeBadTxID, http.StatusBadRequest, nil},
	{client.CodeBadHeight, http.StatusBadRequest, nil},
	{client.CodeBadLimit, http.StatusBadRequest, nil},
	{client.CodeBadCursor, http.StatusBadRequest, nil},
	{client.CodeBadSignature, http.StatusBadRequest, []error{chain.ErrBadSignature}},
	{client.CodeBadAddressChecksum, http.StatusBadRequest, []error{chain.ErrAddressChecksum}},
	{client.CodeBadAddress, http.StatusBadRequest, []error{chain.ErrAddress}},
	{client.CodeBadKey, http.StatusBadRequest, []error{chain.ErrKey}},
	{client.CodeNonCanonical, http.StatusBadRequest, []error{chain.ErrNonCanonical}},
	{client.CodeWrongChain, http.StatusBadRequest, []error{chain.ErrWrongChain}},
	{client.CodeHolderMismatch, http.StatusBadRequest, []error{chain.ErrHolderMismatch}},
	{client.CodeReceiptMismatch, http.StatusBadRequest, []error{chain.ErrReceiptMismatch}},
	{client.CodeMissingAttestation, http.StatusBadRequest, []error{chain.ErrMissingAttestation}},
	{client.CodeUnknownAttester, http.StatusBadRequest, []error{chain.ErrUnknownAttester}},
	{client.CodeUnknownIssuer, http.StatusBadRequest, []error{chain.ErrUnknownIssuer}},
	{client.CodeUnknownSigner, http.StatusBadRequest, []error{chain.ErrUnknownSigner}},
	{client.CodePoW, http.StatusBadRequest, []error{chain.ErrPoW}},
	{client.CodeStale, http.StatusBadRequest, nil},
	{client.CodeUnauthorized, http.StatusUnauthorized, nil},
	{client.CodeBadCredential, http.StatusUnauthorized, nil},
	{client.CodeRefused, http.StatusForbidden, nil},
	{client.CodeNotFound, http.StatusNotFound, nil},
	{client.CodeUnknownTarget, http.StatusNotFound, nil},
	{client.CodeMethodNotAllowed, http.StatusMethodNotAllowed, nil},
	{client.CodeBodyTimeout, http.StatusRequestTimeout, []error{ErrBodyTimeout}},
	{client.CodeTooLarge, http.StatusRequestEntityTooLarge, []error{ErrBodyTooLarge, chain.ErrTooLarge, pbft.ErrTooLarge}},
	{client.CodeReplay, http.StatusConflict, nil},
	{client.CodePaymentUsed, http.StatusConflict, nil},
	{client.CodeConflict, http.StatusConflict, nil},
	{client.CodeRejected, http.StatusUnprocessableEntity, nil},
	{client.CodeNotARecord, http.StatusUnprocessableEntity, nil},
	{client.CodeNotReady, http.StatusServiceUnavailable, nil},
	{client.CodeBusy, http.StatusServiceUnavailable, []error{pbft.ErrBusy}},
	{client.CodeNotLeader, http.StatusServiceUnavailable, nil},
	{client.CodeUnavailable, http.StatusServiceUnavailable, nil},
	{client.CodeTimeout, http.StatusGatewayTimeout, []error{context.DeadlineExceeded}},
	{client.CodeInternal, http.StatusInternalServerError, nil},
	{client.CodeDamaged, http.StatusInternalServerError, nil},
}

// Table returns a copy of the error table, for tests and documentation.
func Table() []Row {
	out := make([]Row, len(table))
	for i, r := range table {
		out[i] = Row{Code: r.Code, Status: r.Status, Errs: append([]error(nil), r.Errs...)}
	}
	return out
}

func rowOf(code client.Code) (Row, bool) {
	for _, r := range table {
		if r.Code == code {
			return r, true
		}
	}
	return Row{}, false
}

// Lookup returns the status and wire code err is answered with. In order:
// an explicit code (Error) on the chain, outermost first; a sentinel of
// the table's rows (sdk/chain's before the serving package's, so a
// transaction's own fault names itself); a body over a MaxBytesReader; a
// sentinel declared with Sentinel; a context deadline; else 500 internal. An unknown code is
// a 500 internal too.
func Lookup(err error) (int, client.Code) {
	code := client.CodeInternal
	var mbe *http.MaxBytesError
	var s *sentinel
	if e, ok := explicit(err); ok {
		code = e.Code
	} else if c, ok := foreign(err); ok {
		code = c
	} else if errors.As(err, &mbe) {
		code = client.CodeTooLarge
	} else if errors.As(err, &s) {
		code = s.code
	} else if errors.Is(err, context.DeadlineExceeded) {
		// Last: a wait that ran out under a sentinel (not ready, not
		// leader) is that sentinel's answer.
		code = client.CodeTimeout
	}
	r, ok := rowOf(code)
	if !ok {
		return http.StatusInternalServerError, client.CodeInternal
	}
	return r.Status, r.Code
}

func foreign(err error) (client.Code, bool) {
	for _, r := range table {
		for _, e := range r.Errs {
			if e != context.DeadlineExceeded && errors.Is(err, e) {
				return r.Code, true
			}
		}
	}
	return "", false
}
