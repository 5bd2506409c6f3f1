package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Version is the proof bundle format this package writes and reads.
const Version = 1

// Limits on what DecodeBundle and Verify accept.
const (
	// MaxBundleBytes bounds an encoded bundle. A membership change costs
	// about 4 kB per member key and 7 kB per certificate signature in hex.
	MaxBundleBytes = 16 << 20
	// MaxTxBytes bounds a transaction in a bundle. It is above the
	// replicas' default limit (chain.DefaultMaxTxBytes) on purpose: the
	// commit certificate, not this bound, says the replicas accepted it.
	MaxTxBytes = 1 << 20
)

// Record states a Status can name.
const (
	StateActive  = "active"  // no amendment or revocation up to Status.AsOf, by the server's word
	StateAmended = "amended" // superseded by the career.amend Status.By (the ledger says "superseded")
	StateRevoked = "revoked" // revoked by the career.revoke Status.By
)

// Bundle is everything needed to verify one career record offline against
// a Trust: the record's transaction and its inclusion in a committed block,
// the membership changes since genesis, the key-set changes, and the
// record's status with its evidence. Its JSON form is versioned ("version": 1); decode it with
// DecodeBundle. Nothing in a bundle is trusted: Verify checks every field
// it uses.
type Bundle struct {
	Version int    `json:"version"`
	ChainID string `json:"chain_id"`
	Inclusion
	// Memberships lists every membership change from genesis on, oldest
	// first, at least up to the highest block the bundle refers to.
	Memberships []Change `json:"memberships"`
	// KeyChanges lists the key-set changes (config.change transactions
	// with chain.Config.Keys) the replicas accepted, oldest first, each
	// with its inclusion proof, at least up to the record's position and,
	// for an amended or revoked record, the evidence's. Verify rebuilds
	// the attester and payment-issuer sets from the Trust and these.
	KeyChanges []Inclusion `json:"key_changes,omitempty"`
	Status     Status      `json:"status"`
}

// Inclusion is a transaction and the proof that a block committed it.
type Inclusion struct {
	TxID        string            `json:"txid"`  // hex SHA-256 of Tx
	Tx          []byte            `json:"tx"`    // canonical bytes as the block holds them (base64 in JSON)
	Index       int               `json:"index"` // position in the block
	Proof       []chain.ProofStep `json:"proof"` // Merkle path from the TxID to Block.TxRoot
	Block       Header            `json:"block"`
	Certificate Certificate       `json:"certificate"`
}

// Header is what a block's digest (pbft.Block.Digest) covers, with the
// transactions replaced by their Merkle root, plus their count, which the
// Merkle path needs and the digest does not cover.
type Header struct {
	Height   uint64      `json:"height"`
	View     uint64      `json:"view"`
	Proposer uint64      `json:"proposer"`
	Time     int64       `json:"time"`             // proposer's clock, Unix ms
	Config   *Membership `json:"config,omitempty"` // set on a reconfiguration block: the membership from Height+1 on
	TxRoot   string      `json:"tx_root"`          // hex
	TxCount  int         `json:"tx_count"`
}

// Membership is a pbft.Membership with hex keys.
type Membership struct {
	Epoch   uint64   `json:"epoch"`
	Members []Member `json:"members"`
}

// Member is a pbft.Member with hex keys.
type Member struct {
	ID      uint64 `json:"id"`
	SignKey string `json:"sign_key"` // ML-DSA-65 public key
	NetKey  string `json:"net_key"`  // Ed25519 public key
	Addr    string `json:"addr"`
	API     string `json:"api"`
}

// Certificate is a pbft.Certificate with hex digest and signatures.
type Certificate struct {
	Epoch  uint64      `json:"epoch"`
	View   uint64      `json:"view"`
	Seq    uint64      `json:"seq"`
	Digest string      `json:"digest"`
	Sigs   []CommitSig `json:"sigs"`
}

// CommitSig is one replica's COMMIT signature.
type CommitSig struct {
	Replica uint64 `json:"replica"`
	Sig     string `json:"sig"`
}

// Change is one membership change: the header of the reconfiguration block
// (its Config is the new membership, in force from Block.Height+1) and the
// block's commit certificate, which must verify under the membership
// before it.
type Change struct {
	Block       Header      `json:"block"`
	Certificate Certificate `json:"certificate"`
}

// Status is the record's state as the server read it at height AsOf. For
// StateAmended and StateRevoked, Evidence is the amending or revoking
// transaction with its own inclusion proof and By its TxID; a revocation
// also names its Reason and the Revoker's key, which must equal the
// transaction's.
type Status struct {
	State    string     `json:"state"`
	AsOf     uint64     `json:"as_of"`
	By       string     `json:"by,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Revoker  string     `json:"revoker,omitempty"` // hex Ed25519 key
	Evidence *Inclusion `json:"evidence,omitempty"`
}

// ErrMalformed wraps every error DecodeBundle returns.
var ErrMalformed = errors.New("verify: malformed proof bundle")

// DecodeBundle parses a bundle strictly: at most MaxBundleBytes, no unknown
// fields, no trailing data, version 1. It checks the form of the JSON only;
// Verify checks the rest.
func DecodeBundle(b []byte) (*Bundle, error) {
	if len(b) > MaxBundleBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(b), MaxBundleBytes)
	}
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if probe.Version == nil || *probe.Version != Version {
		v := "none"
		if probe.Version != nil {
			v = fmt.Sprint(*probe.Version)
		}
		return nil, fmt.Errorf("%w: version %s, this verifier reads version %d", ErrMalformed, v, Version)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var bd Bundle
	if err := dec.Decode(&bd); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the bundle", ErrMalformed)
	}
	return &bd, nil
}

// NewInclusion returns the inclusion proof of the transaction at index i of
// the block committed at height with certificate cert, as a replica serves
// it from its ledger.
func NewInclusion(height uint64, b *pbft.Block, cert *pbft.Certificate, i int) (Inclusion, error) {
	if b == nil || cert == nil {
		return Inclusion{}, fmt.Errorf("verify: NewInclusion needs a block and its certificate")
	}
	if i < 0 || i >= len(b.Txs) {
		return Inclusion{}, fmt.Errorf("verify: index %d is outside block %d of %d transactions", i, height, len(b.Txs))
	}
	leaves := make([][]byte, len(b.Txs))
	for j, tx := range b.Txs {
		h := sha256.Sum256(tx)
		leaves[j] = h[:]
	}
	return Inclusion{
		TxID:        hex.EncodeToString(leaves[i]),
		Tx:          bytes.Clone(b.Txs[i]),
		Index:       i,
		Proof:       chain.MerkleProof(leaves, i),
		Block:       HeaderOf(height, b),
		Certificate: CertificateOf(cert),
	}, nil
}

// NewChange returns the membership change made by the reconfiguration
// block b committed at height with certificate cert.
func NewChange(height uint64, b *pbft.Block, cert *pbft.Certificate) (Change, error) {
	if b == nil || b.Config == nil || cert == nil {
		return Change{}, fmt.Errorf("verify: block %d is not a reconfiguration block with a certificate", height)
	}
	return Change{Block: HeaderOf(height, b), Certificate: CertificateOf(cert)}, nil
}

// HeaderOf returns the header of block b at height.
func HeaderOf(height uint64, b *pbft.Block) Header {
	root := b.TxRoot()
	return Header{Height: height, View: b.View, Proposer: b.Proposer, Time: b.Time, Config: MembershipOf(b.Config),
		TxRoot: root.String(), TxCount: len(b.Txs)}
}

// CertificateOf returns the JSON form of a certificate.
func CertificateOf(c *pbft.Certificate) Certificate {
	cj := Certificate{Epoch: c.Epoch, View: c.View, Seq: c.Seq, Digest: c.Digest.String(), Sigs: make([]CommitSig, len(c.Sigs))}
	for i, s := range c.Sigs {
		cj.Sigs[i] = CommitSig{Replica: s.Replica, Sig: hex.EncodeToString(s.Sig)}
	}
	return cj
}

// MembershipOf returns the JSON form of a membership (nil for nil).
func MembershipOf(m *pbft.Membership) *Membership {
	if m == nil {
		return nil
	}
	mj := &Membership{Epoch: m.Epoch, Members: make([]Member, len(m.Members))}
	for i, mb := range m.Members {
		mj.Members[i] = Member{ID: mb.ID, SignKey: hex.EncodeToString(mb.SignKey), NetKey: hex.EncodeToString(mb.NetKey), Addr: mb.Addr, API: mb.API}
	}
	return mj
}

// pbftMembership converts m back and validates it.
func (m *Membership) pbftMembership() (*pbft.Membership, error) {
	out := &pbft.Membership{Epoch: m.Epoch, Members: make([]pbft.Member, len(m.Members))}
	for i, mb := range m.Members {
		sk, err := decodeHex(mb.SignKey, -1)
		if err != nil {
			return nil, fmt.Errorf("member %d sign_key: %w", mb.ID, err)
		}
		nk, err := decodeHex(mb.NetKey, -1)
		if err != nil {
			return nil, fmt.Errorf("member %d net_key: %w", mb.ID, err)
		}
		out.Members[i] = pbft.Member{ID: mb.ID, SignKey: sk, NetKey: nk, Addr: mb.Addr, API: mb.API}
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	return out, nil
}

// pbftCertificate converts c back.
func (c *Certificate) pbftCertificate() (*pbft.Certificate, error) {
	d, err := decodeHash(c.Digest)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	out := &pbft.Certificate{Epoch: c.Epoch, View: c.View, Seq: c.Seq, Digest: d, Sigs: make([]pbft.CommitSig, len(c.Sigs))}
	for i, s := range c.Sigs {
		sig, err := decodeHex(s.Sig, -1)
		if err != nil {
			return nil, fmt.Errorf("signature of replica %d: %w", s.Replica, err)
		}
		out.Sigs[i] = pbft.CommitSig{Replica: s.Replica, Sig: sig}
	}
	return out, nil
}

// decodeHex decodes lower-case hex of n bytes (any length if n < 0).
func decodeHex(s string, n int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || hex.EncodeToString(b) != s {
		return nil, fmt.Errorf("not lower-case hex")
	}
	if n >= 0 && len(b) != n {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), n)
	}
	return b, nil
}

func decodeHash(s string) (pbft.Hash, error) {
	var h pbft.Hash
	b, err := decodeHex(s, len(h))
	if err != nil {
		return h, err
	}
	copy(h[:], b)
	return h, nil
}
