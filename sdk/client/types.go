package client

import (
	"encoding/json"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// The replica's API: wire types of /api/v1/... on every replica.

// ErrorBody is the body of every refusal, from the replica and the MSP.
// Leader is set on a 307 to a membership change sent to a follower: the
// leader's API URL (also in the Location header).
type ErrorBody struct {
	Error  string `json:"error"`
	Code   Code   `json:"code"`
	Leader string `json:"leader,omitempty"`
}

// Health is the answer to GET /healthz.
type Health struct {
	Status string `json:"status"` // "ok"
}

// Readiness is the answer to GET /readyz (200 when Ready, 503 otherwise):
// whether the server can do its work now, and every reason it cannot.
// A replica fills the heights and the quorum counts; the MSP only Reasons.
type Readiness struct {
	Ready       bool     `json:"ready"`
	Reasons     []string `json:"reasons,omitempty"`
	Height      uint64   `json:"height,omitempty"`
	KnownHeight uint64   `json:"known_height,omitempty"` // highest certified height heard of
	Connected   int      `json:"connected,omitempty"`    // members reachable, itself included
	Quorum      int      `json:"quorum,omitempty"`
}

// Transaction outcomes, in SubmitResult.Status and TxView.Result.
const (
	TxPending  = "pending"  // accepted for ordering, not committed yet
	TxAccepted = "accepted" // committed and executed
	TxRejected = "rejected" // committed, refused by execution (Reason says why)
)

// SubmitResult is the answer to POST /api/v1/tx: 202 with Status
// "pending", or with ?wait=1 200 once committed.
type SubmitResult struct {
	TxID   string `json:"txid"`
	Status string `json:"status"` // "pending", "accepted" or "rejected"
	Height uint64 `json:"height,omitempty"`
	Index  uint32 `json:"index,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// BlockHeader is a block's header as the API shows it.
type BlockHeader struct {
	Height      uint64 `json:"height"`
	Digest      string `json:"digest"`
	View        uint64 `json:"view"`
	Proposer    uint64 `json:"proposer"`
	Time        int64  `json:"time"` // proposer's clock, Unix ms
	TxRoot      string `json:"tx_root"`
	TxCount     int    `json:"tx_count"`
	StateDigest string `json:"state_digest"`
	Epoch       uint64 `json:"config_epoch,omitempty"` // set on reconfiguration blocks
}

// A commit certificate on the wire is verify.Certificate (the proof
// bundle's type): each signature is over pbft's COMMIT signing bytes
// (format v2: the domain "careerchain/pbft/v2", the chain ID, then type,
// replica, epoch, view, seq and digest), so a verifier needs the epoch too.

// TxView is the answer to GET /api/v1/tx/{txid}: the transaction, its
// result, its block header, the Merkle path from the TxID to the header's
// tx_root, the commit certificate, and the record's state for careers.
type TxView struct {
	TxID        string             `json:"txid"`
	Tx          json.RawMessage    `json:"tx"`
	Result      string             `json:"result"`
	Reason      string             `json:"reason,omitempty"`
	Height      uint64             `json:"height"`
	Index       int                `json:"index"`
	Block       BlockHeader        `json:"block"`
	Proof       []chain.ProofStep  `json:"proof"`
	Certificate verify.Certificate `json:"certificate"`
	Record      *RecordView        `json:"record,omitempty"`
}

// RecordView is the state of a career record.
type RecordView struct {
	Status       string `json:"status"`
	SupersededBy string `json:"superseded_by,omitempty"`
	RevokedBy    string `json:"revoked_by,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// CareerEntry is one transaction in an address's listing.
type CareerEntry struct {
	TxID   string      `json:"txid"`
	Type   string      `json:"type"`
	Height uint64      `json:"height"`
	Index  uint32      `json:"index"`
	Record *RecordView `json:"record,omitempty"`
}

// CareerPage is the answer to GET /api/v1/address/{addr}/careers.
type CareerPage struct {
	Address string        `json:"address"`
	Items   []CareerEntry `json:"items"`
	Next    string        `json:"next,omitempty"` // pass as ?after= for the next page
}

// Page bounds of GET /api/v1/address/{addr}/careers?limit=.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// BlockView is the answer to GET /api/v1/blocks/{height}. A transaction
// that is not JSON (a rejected, undecodable one) is shown as a JSON
// string of its base64.
type BlockView struct {
	Header      BlockHeader        `json:"header"`
	Txs         []json.RawMessage  `json:"txs"`
	Results     []TxResult         `json:"results"`
	Certificate verify.Certificate `json:"certificate"`
	CommitTime  int64              `json:"commit_time"` // this replica's clock, Unix ms
}

// TxResult is one transaction's execution result.
type TxResult struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// RawBlock is the answer to GET /api/v1/blocks/{height}?raw=1: the block
// and certificate in pbft's wire encoding (base64 in JSON), for state
// transfer and offline verification.
type RawBlock struct {
	Height      uint64 `json:"height"`
	Block       []byte `json:"block"`
	Certificate []byte `json:"certificate"`
}

// Status is the answer to a replica's GET /api/v1/status.
type Status struct {
	ID             uint64         `json:"id"`
	ChainID        string         `json:"chain_id"`
	View           uint64         `json:"view"`
	Leader         uint64         `json:"leader"`
	Height         uint64         `json:"height"`
	StableSeq      uint64         `json:"stable_seq"`
	InViewChange   bool           `json:"in_view_change"`
	Pending        int            `json:"pending"`
	Epoch          uint64         `json:"epoch"`
	Members        []StatusMember `json:"members"`
	PeersConnected int            `json:"peers_connected"`
}

// StatusMember is one member of the membership in force.
type StatusMember struct {
	ID        uint64 `json:"id"`
	Addr      string `json:"addr"`
	API       string `json:"api"`
	Connected bool   `json:"connected"`
}

// MembershipHistory is the answer to GET /api/v1/membership: every
// membership the chain has had, oldest first, with full keys. Each entry
// after the first was put in force by the reconfiguration block at height
// From-1, whose commit certificate (GET /api/v1/blocks/{From-1}?raw=1)
// proves it against the entry before; the MSP checks that chain of proofs.
type MembershipHistory struct {
	ChainID string            `json:"chain_id"`
	Height  uint64            `json:"height"`
	History []MembershipEntry `json:"history"`
}

// MembershipEntry is one membership and the height from which it is in
// force. Members are verify.Member: the proof bundle's form, hex keys.
type MembershipEntry struct {
	From    uint64          `json:"from"`
	Epoch   uint64          `json:"epoch"`
	Members []verify.Member `json:"members"`
}
