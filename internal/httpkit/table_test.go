package httpkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Every wire code has exactly one row, and every row is a documented code.
func TestTableHasOneRowPerCode(t *testing.T) {
	seen := map[client.Code]int{}
	for _, r := range Table() {
		seen[r.Code]++
		if r.Status < 400 || r.Status > 599 {
			t.Errorf("%s: status %d is not a refusal", r.Code, r.Status)
		}
	}
	for _, c := range client.Codes() {
		if seen[c] != 1 {
			t.Errorf("code %s has %d rows, want 1", c, seen[c])
		}
		delete(seen, c)
	}
	for c := range seen {
		t.Errorf("row for %s, which client.Codes does not list", c)
	}
}

// Every sentinel an API can meet has a row, and it is not a 500.
func TestEverySentinelHasARow(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   client.Code
	}{
		{chain.ErrMalformed, 400, client.CodeMalformed},
		{chain.ErrCanonical, 400, client.CodeMalformed},
		{chain.ErrTooLarge, 413, client.CodeTooLarge},
		{chain.ErrNonCanonical, 400, client.CodeNonCanonical},
		{chain.ErrWrongChain, 400, client.CodeWrongChain},
		{chain.ErrBadSignature, 400, client.CodeBadSignature},
		{chain.ErrHolderMismatch, 400, client.CodeHolderMismatch},
		{chain.ErrReceiptMismatch, 400, client.CodeReceiptMismatch},
		{chain.ErrMissingAttestation, 400, client.CodeMissingAttestation},
		{chain.ErrUnknownAttester, 400, client.CodeUnknownAttester},
		{chain.ErrUnknownIssuer, 400, client.CodeUnknownIssuer},
		{chain.ErrUnknownSigner, 400, client.CodeUnknownSigner},
		{chain.ErrPoW, 400, client.CodePoW},
		{chain.ErrAddress, 400, client.CodeBadAddress},
		{chain.ErrAddressChecksum, 400, client.CodeBadAddressChecksum},
		{chain.ErrKey, 400, client.CodeBadKey},
		{pbft.ErrBusy, 503, client.CodeBusy},
		{pbft.ErrTooLarge, 413, client.CodeTooLarge},
		{ErrBodyCut, 400, client.CodeBodyCut},
		{ErrBodyTimeout, 408, client.CodeBodyTimeout},
		{ErrBodyTooLarge, 413, client.CodeTooLarge},
		{ErrNoEndpoint, 404, client.CodeNotFound},
		{ErrMethodNotAllowed, 405, client.CodeMethodNotAllowed},
		{context.DeadlineExceeded, 504, client.CodeTimeout},
		{&http.MaxBytesError{Limit: 10}, 413, client.CodeTooLarge},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			wrapped := fmt.Errorf("handler: %w", tc.err)
			if s, c := Lookup(wrapped); s != tc.status || c != tc.code {
				t.Errorf("Lookup = %d %s, want %d %s", s, c, tc.status, tc.code)
			}
		})
	}
}

func TestLookupOrder(t *testing.T) {
	notReady := Sentinel(client.CodeNotReady, "x: not ready")
	rejected := Sentinel(client.CodeRejected, "x: rejected")
	for _, tc := range []struct {
		name string
		err  error
		code client.Code
	}{
		{"sentinel", fmt.Errorf("%w: detail", notReady), client.CodeNotReady},
		{"explicit code beats its sentinel", WithCode(client.CodeBadTxID, fmt.Errorf("%w: bad", Sentinel(client.CodeMalformed, "x: malformed"))), client.CodeBadTxID},
		{"chain's fault beats the package's", fmt.Errorf("%w: %w", rejected, chain.ErrBadSignature), client.CodeBadSignature},
		{"sentinel beats a deadline", fmt.Errorf("%w: %w", notReady, context.DeadlineExceeded), client.CodeNotReady},
		{"unknown code is internal", WithCode("no_such_code", errors.New("x")), client.CodeInternal},
		{"unknown error is internal", errors.New("disk on fire"), client.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, c := Lookup(tc.err); c != tc.code {
				t.Errorf("Lookup(%v) = %s, want %s", tc.err, c, tc.code)
			}
		})
	}
}

func TestSentinelCode(t *testing.T) {
	s := Sentinel(client.CodeReplay, "x: replay")
	if SentinelCode(s) != client.CodeReplay || SentinelCode(errors.New("x")) != "" || s.Error() != "x: replay" {
		t.Errorf("SentinelCode / Error wrong")
	}
}
