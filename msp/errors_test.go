package msp

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/client"
)

// Every sentinel a client can cause has its row in httpkit's one table,
// with the status the MSP has always answered.
func TestSentinelsHaveRows(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   client.Code
	}{
		{ErrMalformed, 400, client.CodeMalformed},
		{ErrBadSignature, http.StatusUnauthorized, client.CodeUnauthorized},
		{ErrBadCredential, 401, client.CodeBadCredential},
		{ErrStale, 400, client.CodeStale},
		{ErrPoW, 400, client.CodePoW},
		{ErrReplay, 409, client.CodeReplay},
		{ErrConflict, 409, client.CodeConflict},
		{ErrUnauthorized, 401, client.CodeUnauthorized},
		{ErrNotFound, 404, client.CodeNotFound},
		{ErrRefused, 403, client.CodeRefused},
		{ErrUnavailable, 503, client.CodeUnavailable},
		{ErrRejected, 422, client.CodeRejected},
		{ErrClosed, 503, client.CodeUnavailable},
		{ErrCorrupt, 500, client.CodeInternal},
		{ErrBadConfig, 500, client.CodeInternal},
	} {
		if s, c := httpkit.Lookup(fmt.Errorf("x: %w", tc.err)); s != tc.status || c != tc.code {
			t.Errorf("%v answers %d %s, want %d %s", tc.err, s, c, tc.status, tc.code)
		}
	}
}
