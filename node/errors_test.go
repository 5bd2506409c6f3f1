package node

import (
	"fmt"
	"testing"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/client"
)

// Every sentinel a client can cause has its row in httpkit's one table.
func TestSentinelsHaveRows(t *testing.T) {
	for err, want := range map[error]client.Code{
		ErrMalformed: client.CodeMalformed, ErrNotFound: client.CodeNotFound, ErrReplay: client.CodeReplay,
		ErrTooLarge: client.CodeTooLarge, ErrNotReady: client.CodeNotReady, ErrTimeout: client.CodeTimeout,
		ErrRejected: client.CodeRejected, ErrNotLeader: client.CodeNotLeader,
		ErrBadConfig: client.CodeInternal, ErrClosed: client.CodeInternal, // never a client's doing
	} {
		if _, got := httpkit.Lookup(fmt.Errorf("x: %w", err)); got != want {
			t.Errorf("%v answers %s, want %s", err, got, want)
		}
	}
}
