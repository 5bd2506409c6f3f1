package node

import (
	"errors"

	"github.com/careerchain/careerchain/sdk/genesis"
)

// Sentinel errors. The API maps each to an HTTP status (see api.go).
var (
	ErrBadConfig  = errors.New("node: bad config")
	ErrBadGenesis = genesis.ErrInvalid // one sentinel for a bad genesis, wherever it is read
	ErrMalformed  = errors.New("node: malformed request")
	ErrNotFound   = errors.New("node: not found")
	ErrReplay     = errors.New("node: already on chain")
	ErrTooLarge   = errors.New("node: request too large")
	ErrNotReady   = errors.New("node: not ready")
	ErrTimeout    = errors.New("node: timed out waiting for commit")
	ErrRejected   = errors.New("node: transaction rejected")
	ErrNotLeader  = errors.New("node: not the leader")
	ErrClosed     = errors.New("node: closed")
)
