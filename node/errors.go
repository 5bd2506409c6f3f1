package node

import (
	"errors"
	"fmt"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Sentinel errors. The API answers each with its wire code's status
// through httpkit's one error table (those declared with httpkit.Sentinel;
// the others are never a client's doing).
var (
	ErrBadConfig  = errors.New("node: bad config")
	ErrBadGenesis = genesis.ErrInvalid // one sentinel for a bad genesis, wherever it is read
	ErrMalformed  = httpkit.Sentinel(client.CodeMalformed, "node: malformed request")
	ErrNotFound   = httpkit.Sentinel(client.CodeNotFound, "node: not found")
	ErrReplay     = httpkit.Sentinel(client.CodeReplay, "node: already on chain")
	ErrTooLarge   = httpkit.Sentinel(client.CodeTooLarge, "node: request too large")
	ErrNotReady   = httpkit.Sentinel(client.CodeNotReady, "node: not ready")
	ErrTimeout    = httpkit.Sentinel(client.CodeTimeout, "node: timed out waiting for commit")
	ErrRejected   = httpkit.Sentinel(client.CodeRejected, "node: transaction rejected")
	ErrNotLeader  = httpkit.Sentinel(client.CodeNotLeader, "node: not the leader")
	ErrClosed     = errors.New("node: closed")
)

// errExecutedMeanwhile is the loop's answer to a submission whose own
// transaction executed between its admission and its proposal: the copy
// relayed to another replica reached a block first. It is a replay to the
// core, but the submitter's transaction is on chain, so postTx answers
// with the committed result, not a refusal.
var errExecutedMeanwhile = fmt.Errorf("%w: it executed while this copy waited to be proposed", ErrReplay)
