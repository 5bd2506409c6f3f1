package portal

import (
	"context"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Chain is what the portal reads from the chain. It is the portal's own
// small interface: HTTPChain (chainhttp.go) implements it over the
// replicas' JSON API, and a typed SDK client can replace it. Errors wrap
// ErrNotFound when the chain has no such thing, ErrChainDown when no
// replica answered. Implementations are safe for concurrent use.
type Chain interface {
	// Careers returns the transactions that name addr (up to the first
	// page), in the chain's order; none is not an error.
	Careers(ctx context.Context, addr string) ([]CareerEntry, error)
	// Tx returns a committed transaction.
	Tx(ctx context.Context, txid string) (*TxView, error)
	// Proof returns the proof bundle of txid as the replica sent it, for
	// download and offline verification.
	Proof(ctx context.Context, txid string) ([]byte, error)
}

// CareerEntry is one transaction naming an address.
type CareerEntry struct {
	TxID   string      `json:"txid"`
	Type   string      `json:"type"`
	Height uint64      `json:"height"`
	Index  uint32      `json:"index"`
	Record *RecordView `json:"record,omitempty"`
}

// RecordView is a career record's state.
type RecordView struct {
	Status       string `json:"status"` // "active", "superseded" or "revoked"
	SupersededBy string `json:"superseded_by,omitempty"`
	RevokedBy    string `json:"revoked_by,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// TxView is a committed transaction with its block.
type TxView struct {
	TxID   string      `json:"txid"`
	Tx     *chain.Tx   `json:"tx"`
	Result string      `json:"result"` // "accepted" or "rejected"
	Reason string      `json:"reason,omitempty"`
	Height uint64      `json:"height"`
	Index  int         `json:"index"`
	Block  BlockInfo   `json:"block"`
	Record *RecordView `json:"record,omitempty"`
}

// BlockInfo is the part of a block header a page shows.
type BlockInfo struct {
	Height uint64 `json:"height"`
	Digest string `json:"digest"`
	Time   int64  `json:"time"` // proposer's clock, Unix ms
}
