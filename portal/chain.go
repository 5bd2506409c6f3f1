package portal

import (
	"context"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Chain is what the portal reads from the chain. It is the portal's own
// small interface: HTTPChain (chainhttp.go) implements it with the SDK's
// typed client (sdk/client) over the replicas' JSON API. Errors wrap
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

// CareerEntry is one transaction naming an address, and RecordView a
// career record's state ("active", "superseded" or "revoked"): the API's
// own types.
type (
	CareerEntry = client.CareerEntry
	RecordView  = client.RecordView
	BlockInfo   = client.BlockHeader
)

// TxView is what the portal shows of a committed transaction: the API's
// answer (client.TxView) with the transaction decoded (nil if it does not
// decode).
type TxView struct {
	TxID   string
	Tx     *chain.Tx
	Result string // "accepted" or "rejected"
	Reason string
	Height uint64
	Index  int
	Block  BlockInfo
	Record *RecordView
}
