package pbft

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// Hash is a SHA-256 digest.
type Hash [32]byte

// String returns the digest in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Short returns the first 8 hex digits, for logs and traces.
func (h Hash) Short() string { return hex.EncodeToString(h[:4]) }

// Member is one replica of the membership.
type Member struct {
	ID      uint64 // replica ID, unique, never reused
	SignKey []byte // public key of the consensus signature scheme (certificates)
	NetKey  []byte // Ed25519 public key that authenticates the replica's QUIC transport
	Addr    string // replica-to-replica address, host:port
	API     string // client API base URL, informational
}

// Membership is the set of replicas in force from some sequence number on.
// Members are sorted by ID; the primary of view v is Members[v mod n].
type Membership struct {
	Epoch   uint64 // incremented by every reconfiguration
	Members []Member
}

// N is the number of replicas.
func (m *Membership) N() int { return len(m.Members) }

// F is the number of Byzantine replicas tolerated: the largest f with 3f+1 <= n.
func (m *Membership) F() int { return (len(m.Members) - 1) / 3 }

// Quorum is the size of a quorum: the smallest q such that any two quorums
// intersect in at least f+1 replicas (2f+1 when n = 3f+1).
func (m *Membership) Quorum() int { return (len(m.Members)+m.F())/2 + 1 }

// Primary returns the ID of the primary of view v.
func (m *Membership) Primary(v uint64) uint64 {
	return m.Members[v%uint64(len(m.Members))].ID
}

// Member returns the member with the given ID.
func (m *Membership) Member(id uint64) (*Member, bool) {
	i, ok := slices.BinarySearchFunc(m.Members, id, func(a Member, id uint64) int {
		switch {
		case a.ID < id:
			return -1
		case a.ID > id:
			return 1
		}
		return 0
	})
	if !ok {
		return nil, false
	}
	return &m.Members[i], true
}

// Has reports whether id is a member.
func (m *Membership) Has(id uint64) bool { _, ok := m.Member(id); return ok }

// Validate checks that the membership is usable: at least one member, IDs
// strictly increasing and non-zero, keys present.
func (m *Membership) Validate() error {
	if m == nil || len(m.Members) == 0 {
		return fmt.Errorf("%w: no members", ErrBadMembership)
	}
	for i, mb := range m.Members {
		if mb.ID == 0 {
			return fmt.Errorf("%w: member ID 0 is reserved", ErrBadMembership)
		}
		if i > 0 && m.Members[i-1].ID >= mb.ID {
			return fmt.Errorf("%w: member IDs must be strictly increasing (%d then %d)", ErrBadMembership, m.Members[i-1].ID, mb.ID)
		}
		if len(mb.SignKey) == 0 {
			return fmt.Errorf("%w: member %d has no signing key", ErrBadMembership, mb.ID)
		}
	}
	return nil
}

// Clone returns a deep copy.
func (m *Membership) Clone() *Membership {
	if m == nil {
		return nil
	}
	c := &Membership{Epoch: m.Epoch, Members: make([]Member, len(m.Members))}
	for i, mb := range m.Members {
		c.Members[i] = Member{ID: mb.ID, SignKey: slices.Clone(mb.SignKey), NetKey: slices.Clone(mb.NetKey), Addr: mb.Addr, API: mb.API}
	}
	return c
}

// Digest is the hash of the membership's canonical encoding.
func (m *Membership) Digest() Hash {
	var w writer
	w.membership(m)
	return sha256.Sum256(append([]byte("careerchain/membership/v1\n"), w.b...))
}

// Block is a batch of client requests agreed at one sequence number (its
// height). View and Proposer are those of the pre-prepare that first
// proposed it; a block re-proposed in a later view keeps them, so its digest
// does not change. A block whose Config is set is a reconfiguration block:
// the membership it names is in force from the next sequence number on.
type Block struct {
	View     uint64
	Proposer uint64
	Time     int64 // proposer's clock, Unix milliseconds; 0 for a null block
	Config   *Membership
	Txs      [][]byte
}

// Digest binds the block's content to its sequence number: the value the
// replicas agree on and the commit certificate signs.
func (b *Block) Digest(seq uint64) Hash {
	return HeaderDigest(seq, b.View, b.Proposer, b.Time, b.Config, len(b.Txs), b.TxRoot())
}

// HeaderDigest is Block.Digest from the block's header alone: what a light
// client recomputes without the transactions. Version 2 of the format also
// binds the number of transactions, so an inclusion proof fixes a
// transaction's index, not only its path.
func HeaderDigest(seq, view, proposer uint64, time int64, config *Membership, txCount int, txRoot Hash) Hash {
	h := sha256.New()
	var hdr [8 * 5]byte
	binary.BigEndian.PutUint64(hdr[0:], seq)
	binary.BigEndian.PutUint64(hdr[8:], view)
	binary.BigEndian.PutUint64(hdr[16:], proposer)
	binary.BigEndian.PutUint64(hdr[24:], uint64(time))
	binary.BigEndian.PutUint64(hdr[32:], uint64(txCount))
	h.Write([]byte("careerchain/block/v2\n"))
	h.Write(hdr[:])
	if config != nil {
		d := config.Digest()
		h.Write([]byte{1})
		h.Write(d[:])
	} else {
		h.Write([]byte{0})
	}
	h.Write(txRoot[:])
	var d Hash
	h.Sum(d[:0])
	return d
}

// TxRoot is the Merkle root (RFC 6962 hashing) over the SHA-256 of each
// transaction: the hash a transaction's inclusion proof leads to.
func (b *Block) TxRoot() Hash {
	leaves := make([]Hash, len(b.Txs))
	for i, tx := range b.Txs {
		leaves[i] = sha256.Sum256(tx)
	}
	return MerkleRoot(leaves)
}

// Size is the number of bytes of transactions the block carries.
func (b *Block) Size() int {
	n := 0
	for _, tx := range b.Txs {
		n += len(tx)
	}
	return n
}

// MerkleRoot computes the RFC 6962 Merkle tree hash of the given leaves
// (leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 || l || r),
// split at the largest power of two below n). The root of no leaves is
// SHA-256 of the empty string.
func MerkleRoot(leaves []Hash) Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		var buf [33]byte
		copy(buf[1:], leaves[0][:])
		return sha256.Sum256(buf[:])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := MerkleRoot(leaves[:k]), MerkleRoot(leaves[k:])
	var buf [65]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// CommitSig is one replica's signature in a commit certificate.
type CommitSig struct {
	Replica uint64
	Sig     []byte
}

// Certificate proves that a quorum of the membership of epoch Epoch
// committed Digest at Seq in View: each signature is over the COMMIT
// message the replica sent, which binds the chain ID and the epoch.
type Certificate struct {
	Epoch  uint64
	View   uint64
	Seq    uint64
	Digest Hash
	Sigs   []CommitSig // sorted by replica ID, no duplicates
}

// Verify checks the certificate of chain chainID against the membership
// that was in force at its sequence number: the certificate's epoch must be
// that membership's, and it needs a quorum of distinct members, each
// signature valid.
func (c *Certificate) Verify(chainID string, m *Membership, v Verifier) error {
	if c == nil {
		return fmt.Errorf("%w: missing", ErrBadCertificate)
	}
	if c.Epoch != m.Epoch {
		return fmt.Errorf("%w: signed for epoch %d, the membership in force is epoch %d", ErrBadCertificate, c.Epoch, m.Epoch)
	}
	if len(c.Sigs) < m.Quorum() {
		return fmt.Errorf("%w: %d signatures, quorum is %d", ErrBadCertificate, len(c.Sigs), m.Quorum())
	}
	for i, s := range c.Sigs {
		if i > 0 && c.Sigs[i-1].Replica >= s.Replica {
			return fmt.Errorf("%w: signers not sorted or duplicated", ErrBadCertificate)
		}
		mb, ok := m.Member(s.Replica)
		if !ok {
			return fmt.Errorf("%w: signer %d is not a member", ErrBadCertificate, s.Replica)
		}
		msg := Message{Type: MsgCommit, From: s.Replica, Epoch: c.Epoch, View: c.View, Seq: c.Seq, Digest: c.Digest}
		if !v.Verify(mb.SignKey, msg.signingBytes(chainID), s.Sig) {
			return fmt.Errorf("%w: bad signature by replica %d", ErrBadCertificate, s.Replica)
		}
	}
	return nil
}

// MsgType names a protocol message.
type MsgType uint8

// Message types. Every message but MsgRequest is signed by its sender.
const (
	MsgRequest    MsgType = iota + 1 // client requests forwarded to the primary
	MsgPrePrepare                    // primary assigns Seq to Block in View
	MsgPrepare                       // backup agrees with the pre-prepare
	MsgCommit                        // replica has prepared; also a certificate share
	MsgCheckpoint                    // replica's state digest after executing Seq
	MsgViewChange                    // replica moves to View
	MsgNewView                       // new primary starts View
	MsgFetchBlock                    // asks a peer for the body of block Digest at Seq
	MsgBlock                         // answers MsgFetchBlock: the body, checked against Digest
)

var msgTypeNames = [...]string{"", "request", "pre-prepare", "prepare", "commit", "checkpoint", "view-change", "new-view", "fetch-block", "block"}

func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && t != 0 {
		return msgTypeNames[t]
	}
	return fmt.Sprintf("msg(%d)", uint8(t))
}

// Message is a protocol message. To is the destination (0 = every other
// member) and is not signed; it is set on outgoing messages only. Epoch is
// the epoch of the membership the sender votes in: a vote counts only in
// the epoch it names, so no vote cast under one membership is counted
// under another.
//
// Each body field belongs to one type and Step refuses it on any other
// (nested messages included): Block on MsgPrePrepare (within a NEW-VIEW or
// a prepared proof the pre-prepare carries its digest only) and MsgBlock,
// Requests on MsgRequest, VC on MsgViewChange, NV on MsgNewView.
type Message struct {
	Type     MsgType
	From     uint64
	To       uint64
	Epoch    uint64
	View     uint64
	Seq      uint64
	Digest   Hash
	Block    *Block      // MsgPrePrepare, MsgBlock
	Requests [][]byte    // MsgRequest
	VC       *ViewChange // MsgViewChange
	NV       *NewView    // MsgNewView
	Sig      []byte
}

// ViewChange is the body of a VIEW-CHANGE: the sender's stable checkpoint
// with its proof, and a prepared proof for every sequence number above it
// that the sender prepared (the P set of the paper).
type ViewChange struct {
	StableSeq    uint64
	StableDigest Hash
	Checkpoints  []Message // quorum of signed CHECKPOINTs; empty when StableSeq is the base
	Prepared     []PreparedProof
}

// PreparedProof shows that a block was prepared: the signed pre-prepare
// (its digest only, no block: the signature covers the digest) and
// quorum-1 signed matching PREPAREs from backups.
type PreparedProof struct {
	PrePrepare Message
	Prepares   []Message
}

// NewView is the body of a NEW-VIEW: the quorum of VIEW-CHANGE messages it
// was computed from and the pre-prepares for the new view (the O set).
type NewView struct {
	ViewChanges []Message
	PrePrepares []Message
}

// Errors returned by the package.
var (
	ErrBadMembership  = errors.New("pbft: bad membership")
	ErrBadCertificate = errors.New("pbft: bad commit certificate")
	ErrBadMessage     = errors.New("pbft: bad message")
	ErrBadSignature   = errors.New("pbft: bad signature")
	ErrNotMember      = errors.New("pbft: sender is not a member")
	ErrBusy           = errors.New("pbft: too many pending requests, retry later")
	ErrTooLarge       = errors.New("pbft: request too large")
	ErrOutOfOrder     = errors.New("pbft: block out of order")
	ErrBadConfig      = errors.New("pbft: bad config")
)
