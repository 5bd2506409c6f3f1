package client

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
)

// The MSP's API: wire types of the membership service's /api/v1/...
//
//	POST /api/v1/join            a node asks to join (JoinRequest) → 202 JoinAnswer
//	GET  /api/v1/join/{id}       where that node stands → JoinAnswer
//	GET  /api/v1/status          the address book and the chain's state → MSPStatus
//	POST /api/v1/admin/leader    {"id":N}: swap the leader (operator-signed)
//	POST /api/v1/admin/remove    {"id":N}: remove a member, or drop a standby
//	POST /api/v1/admin/promote   {"id":N}: make a standby a member
//	GET  /healthz

// Node states in the MSP's book (NodeRecord.State, JoinAnswer.State).
const (
	StatePending = "pending" // admitted; its membership change is on its way
	StateStandby = "standby" // admitted; waits to be promoted
	StateMember  = "member"  // in the membership committed on chain
	StateRemoved = "removed" // was a member or candidate; never comes back under this ID
)

// Admin actions (POST /api/v1/admin/{action}).
const (
	ActionLeader  = "leader"
	ActionRemove  = "remove"
	ActionPromote = "promote"
)

// Domain tags of the MSP's signed messages.
const (
	TagJoin  = "careerchain/msp/join/v1\n"
	TagEnrol = "careerchain/msp/enrol/v1\n"
	TagAdmin = "careerchain/msp/admin/v1\n"
)

// JoinRequest is what a new node sends to POST /api/v1/join. Keys and
// signatures are lower-case hex. Sig is the node's ML-DSA-65 signature
// (pbft's signer, so the key that will sign its commit votes) over
// SigningBytes; PoW is a hashcash stamp over PoWData with the chain's
// difficulty.
type JoinRequest struct {
	ChainID    string     `json:"chain_id"`
	SignKey    string     `json:"sign_key"` // ML-DSA-65 public key (commit certificates)
	NetKey     string     `json:"net_key"`  // Ed25519 public key (QUIC transport)
	Addr       string     `json:"addr"`     // QUIC address host:port
	API        string     `json:"api"`      // client API base URL
	Time       int64      `json:"time"`     // Unix seconds; must be within 5 minutes of the MSP's clock
	Credential Credential `json:"credential"`
	Sig        string     `json:"sig"`
	PoW        uint64     `json:"pow"`
}

// Credential is an operator's enrolment of one node: an Ed25519 signature
// by an operator key over EnrolSigningBytes (the chain id, the node's two
// keys and an expiry). careerctl admin enrol mints one.
type Credential struct {
	Operator string `json:"operator"` // hex Ed25519 public key
	Expires  int64  `json:"expires"`  // Unix seconds
	Sig      string `json:"sig"`
}

type enrolBody struct {
	ChainID  string `json:"chain_id"`
	SignKey  string `json:"sign_key"`
	NetKey   string `json:"net_key"`
	Operator string `json:"operator"`
	Expires  int64  `json:"expires"`
}

func tagged(tag string, v any) ([]byte, error) {
	b, err := chain.Canonical(v)
	if err != nil {
		return nil, err
	}
	return append([]byte(tag), b...), nil
}

// EnrolSigningBytes are the bytes an operator signs to enrol a node. An
// error wraps chain.ErrCanonical.
func EnrolSigningBytes(chainID, signKey, netKey, operator string, expires int64) ([]byte, error) {
	return tagged(TagEnrol, enrolBody{ChainID: chainID, SignKey: signKey, NetKey: netKey, Operator: operator, Expires: expires})
}

// SigningBytes are the bytes the node signs: the request without Sig and
// PoW, canonical JSON after TagJoin. An error wraps chain.ErrCanonical.
func (r JoinRequest) SigningBytes() ([]byte, error) {
	r.Sig, r.PoW = "", 0
	return tagged(TagJoin, r)
}

// PoWData is what the stamp covers: the SHA-256 of the signed request with
// PoW zero, so a stamp cannot be moved to another request.
func (r JoinRequest) PoWData() ([]byte, error) {
	r.PoW = 0
	b, err := tagged(TagJoin, r)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

// Digest identifies a join request (its signed content): a second request
// with the same digest is a replay.
func (r JoinRequest) Digest() ([32]byte, error) {
	b, err := r.SigningBytes()
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// JoinAnswer tells a node where its join stands.
type JoinAnswer struct {
	ID      uint64 `json:"id"`
	State   string `json:"state"` // pending, standby, member or removed
	ChainID string `json:"chain_id"`
	Note    string `json:"note,omitempty"`
}

// NodeRecord is the MSP's record of one node.
type NodeRecord struct {
	ID       uint64    `json:"id"`
	SignKey  string    `json:"sign_key"`
	NetKey   string    `json:"net_key"`
	Addr     string    `json:"addr"`
	API      string    `json:"api"`
	State    string    `json:"state"`
	Admitted time.Time `json:"admitted,omitzero"` // zero for genesis members
	LastSeen time.Time `json:"last_seen,omitzero"`
	Misses   int       `json:"misses"` // consecutive failed status polls
	Height   uint64    `json:"height"`
	Note     string    `json:"note,omitempty"`
}

// MSPStatus is the answer to the MSP's GET /api/v1/status. Its leader,
// in_view_change and members fields have the replica Status's names, so
// a leader source reads either.
type MSPStatus struct {
	ChainID      string         `json:"chain_id"`
	Epoch        uint64         `json:"epoch"`
	N            int            `json:"n"`
	F            int            `json:"f"`
	Leader       uint64         `json:"leader"`
	View         uint64         `json:"view"`
	InViewChange bool           `json:"in_view_change"`
	Height       uint64         `json:"height"`
	LastPoll     time.Time      `json:"last_poll,omitzero"`
	Members      []MSPMember    `json:"members"`
	Standbys     []NodeRecord   `json:"standbys"`
	Pending      []NodeRecord   `json:"pending"`
	Removed      []NodeRecord   `json:"removed"`
	History      []HistoryEntry `json:"history"`
	InFlight     *InFlight      `json:"in_flight,omitempty"`
	AutoRemoved  uint64         `json:"auto_removed"` // automatic removals not yet confirmed by an operator
}

// AnyStatus is GET /api/v1/status of a server that may be a replica or
// the MSP, as Client.AnyStatus decoded it: exactly one field is set. It is
// not itself on the wire.
type AnyStatus struct {
	Replica *Status
	MSP     *MSPStatus
}

// MSPMember is one member of the committed membership.
type MSPMember struct {
	NodeRecord
	Up bool `json:"up"`
}

// HistoryEntry is one membership change committed on chain.
type HistoryEntry struct {
	Epoch   uint64   `json:"epoch"`
	From    uint64   `json:"from"` // first height the membership is in force
	N       int      `json:"n"`
	Added   []uint64 `json:"added,omitempty"`
	Removed []uint64 `json:"removed,omitempty"`
}

// InFlight is the membership change being committed.
type InFlight struct {
	Epoch   uint64   `json:"epoch"`
	TxID    string   `json:"txid"`
	Added   []uint64 `json:"added,omitempty"`
	Removed []uint64 `json:"removed,omitempty"`
	Reason  string   `json:"reason"`
}

// AdminRequest is the body of every admin call.
type AdminRequest struct {
	ID uint64 `json:"id"`
}

// AdminAnswer is the answer to an admin call.
type AdminAnswer struct {
	Action string `json:"action"`
	ID     uint64 `json:"id"`
	Status string `json:"status"`
	Height uint64 `json:"height,omitempty"`
}

// Admin authentication. An admin call carries three headers:
//
//	X-Careerchain-Key   hex Ed25519 public key of an operator
//	X-Careerchain-Time  Unix seconds, within 5 minutes of the MSP's clock
//	X-Careerchain-Sig   hex signature over AdminSigningBytes
//
// The MSP keeps every signature it accepted until it is too old to pass the
// time check, so a captured call cannot be replayed.
const (
	HeaderKey  = "X-Careerchain-Key"
	HeaderTime = "X-Careerchain-Time"
	HeaderSig  = "X-Careerchain-Sig"
)

// AdminSigningBytes are the bytes an operator signs for one admin call.
func AdminSigningBytes(method, path string, unix int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return fmt.Appendf(nil, "%s%s\n%s\n%d\n%x", TagAdmin, method, path, unix, sum)
}

// SignAdmin sets the authentication headers of an admin request whose body
// is body.
func SignAdmin(req *http.Request, op ed25519.PrivateKey, body []byte, now time.Time) {
	ts := now.Unix()
	req.Header.Set(HeaderKey, hex.EncodeToString(op.Public().(ed25519.PublicKey)))
	req.Header.Set(HeaderTime, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSig, hex.EncodeToString(ed25519.Sign(op, AdminSigningBytes(req.Method, req.URL.Path, ts, body))))
}
