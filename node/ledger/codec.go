package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/careerchain/careerchain/pbft"
)

// Persisted encodings: uvarint integers, uvarint-length-prefixed byte
// strings, presence bytes for optional parts. Messages are stored with
// pbft.Message.Encode and read back with pbft.Decode. Every length is
// checked against the remaining input before anything is allocated.

const (
	maxProof    = 1024    // messages in a stable-checkpoint proof or prepared proof
	maxResults  = 1 << 20 // results in one block
	maxReason   = 4096
	maxMsgBytes = pbft.MaxMessageSize
)

type writer struct{ b []byte }

func (w *writer) u(v uint64)     { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) bytes(p []byte) { w.u(uint64(len(p))); w.b = append(w.b, p...) }
func (w *writer) str(s string)   { w.u(uint64(len(s))); w.b = append(w.b, s...) }
func (w *writer) hash(h [32]byte) {
	w.b = append(w.b, h[:]...)
}
func (w *writer) flag(ok bool) {
	if ok {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}
func (w *writer) msg(m *pbft.Message) { w.bytes(m.Encode()) }

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
}

func (r *reader) u() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(max int) []byte {
	n := r.u()
	if r.err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(r.b)) {
		r.fail("length %d exceeds the limit or the input", n)
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) str(max int) string { return string(r.bytes(max)) }

func (r *reader) hash() (h [32]byte) {
	if r.err != nil {
		return h
	}
	if len(r.b) < 32 {
		r.fail("truncated hash")
		return h
	}
	copy(h[:], r.b)
	r.b = r.b[32:]
	return h
}

func (r *reader) flag() bool {
	if r.err != nil {
		return false
	}
	if len(r.b) < 1 || r.b[0] > 1 {
		r.fail("bad flag")
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

func (r *reader) count(max int) int {
	n := r.u()
	// Each element takes at least one byte.
	if r.err == nil && (n > uint64(max) || n > uint64(len(r.b))) {
		r.fail("count %d exceeds the limit or the input", n)
		return 0
	}
	return int(n)
}

func (r *reader) msg() *pbft.Message {
	b := r.bytes(maxMsgBytes)
	if r.err != nil {
		return nil
	}
	m, err := pbft.Decode(b, maxMsgBytes)
	if err != nil {
		r.fail("message: %v", err)
		return nil
	}
	return m
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

// EncodeHardState returns the persisted form of a pbft.HardState.
func EncodeHardState(hs *pbft.HardState) []byte {
	var w writer
	w.u(hs.View)
	w.flag(hs.InViewChange)
	w.u(hs.StableSeq)
	w.hash(hs.StableDigest)
	w.u(uint64(len(hs.StableProof)))
	for i := range hs.StableProof {
		w.msg(&hs.StableProof[i])
	}
	w.flag(hs.Muted)
	w.u(hs.MuteView)
	return w.b
}

// DecodeHardState parses EncodeHardState's output.
func DecodeHardState(b []byte) (*pbft.HardState, error) {
	r := reader{b: b}
	hs := &pbft.HardState{View: r.u(), InViewChange: r.flag(), StableSeq: r.u(), StableDigest: r.hash()}
	n := r.count(maxProof)
	for i := 0; i < n && r.err == nil; i++ {
		if m := r.msg(); m != nil {
			hs.StableProof = append(hs.StableProof, *m)
		}
	}
	hs.Muted, hs.MuteView = r.flag(), r.u()
	if err := r.done(); err != nil {
		return nil, err
	}
	return hs, nil
}

// An entry record has three places for a block: its pre-prepare's, its
// prepared proof's pre-prepare's (the core leaves it empty: a proof names
// its block by digest) and PreparedBlock. Each is encoded as a tag: none,
// inline (the block follows), or stored apart (the digest follows; the
// block is in entry_blocks under seq || digest, see Tx.PutEntry).
const (
	slotNone   = 0
	slotInline = 1
	slotStored = 2
)

// stashFunc stores block b of digest d at seq apart from the record.
type stashFunc func(seq uint64, d pbft.Hash, b *pbft.Block) error

// resolveFunc returns the block stored apart under seq || d.
type resolveFunc func(seq uint64, d pbft.Hash) (*pbft.Block, error)

// EncodeEntry returns the persisted form of a pbft.EntryRecord, blocks
// inline.
func EncodeEntry(e *pbft.EntryRecord) []byte {
	b, _ := encodeEntry(e, nil) // without a stash nothing can fail
	return b
}

// encodeEntry encodes e; with stash, its blocks are stored apart.
func encodeEntry(e *pbft.EntryRecord, stash stashFunc) ([]byte, error) {
	var w writer
	var err error
	slot := func(b *pbft.Block, d func() pbft.Hash) {
		switch {
		case b == nil:
			w.b = append(w.b, slotNone)
		case stash == nil:
			w.b = append(w.b, slotInline)
			w.bytes(pbft.EncodeBlock(b))
		default:
			h := d()
			w.b = append(w.b, slotStored)
			w.hash(h)
			if err == nil {
				err = stash(e.Seq, h, b)
			}
		}
	}
	// msg writes m without its block, then the block's slot.
	msg := func(m *pbft.Message) {
		cp := *m
		cp.Block = nil
		w.msg(&cp)
		if m.Type == pbft.MsgPrePrepare {
			slot(m.Block, func() pbft.Hash { return m.Digest })
		}
	}
	w.u(e.Seq)
	for _, m := range []*pbft.Message{e.PrePrepare, e.Prepare, e.Commit} {
		w.flag(m != nil)
		if m != nil {
			msg(m)
		}
	}
	w.flag(e.Prepared != nil)
	if p := e.Prepared; p != nil {
		msg(&p.PrePrepare)
		w.u(uint64(len(p.Prepares)))
		for i := range p.Prepares {
			w.msg(&p.Prepares[i])
		}
	}
	slot(e.PreparedBlock, func() pbft.Hash {
		// The core's prepared block is usually its pre-prepare's: spare
		// hashing it again.
		if pp := e.PrePrepare; pp != nil && pp.Block == e.PreparedBlock {
			return pp.Digest
		}
		return e.PreparedBlock.Digest(e.Seq)
	})
	return w.b, err
}

// DecodeEntry parses EncodeEntry's output.
func DecodeEntry(b []byte) (*pbft.EntryRecord, error) {
	return decodeEntry(b, func(seq uint64, d pbft.Hash) (*pbft.Block, error) {
		return nil, fmt.Errorf("%w: the block %s of entry %d is stored apart", ErrCorrupt, d.Short(), seq)
	})
}

// decodeEntry parses encodeEntry's output, fetching blocks stored apart
// with resolve. Every block is checked against the digest it belongs to.
func decodeEntry(b []byte, resolve resolveFunc) (*pbft.EntryRecord, error) {
	r := reader{b: b}
	e := &pbft.EntryRecord{Seq: r.u()}
	slot := func() *pbft.Block {
		if r.err != nil {
			return nil
		}
		if len(r.b) < 1 {
			r.fail("truncated block slot")
			return nil
		}
		tag := r.b[0]
		r.b = r.b[1:]
		switch tag {
		case slotNone:
			return nil
		case slotInline:
			raw := r.bytes(len(r.b))
			if r.err != nil {
				return nil
			}
			blk, err := pbft.DecodeBlock(raw)
			if err != nil {
				r.fail("block of entry %d: %v", e.Seq, err)
			}
			return blk
		case slotStored:
			d := pbft.Hash(r.hash())
			if r.err != nil {
				return nil
			}
			blk, err := resolve(e.Seq, d)
			if err != nil {
				if r.err == nil {
					r.err = err
				}
				return nil
			}
			if blk.Digest(e.Seq) != d {
				r.fail("the block stored for entry %d does not match its digest %s", e.Seq, d.Short())
				return nil
			}
			return blk
		}
		r.fail("block slot tag %d", tag)
		return nil
	}
	msg := func() *pbft.Message {
		m := r.msg()
		if m == nil {
			return nil
		}
		if m.Block != nil {
			r.fail("entry %d: a message with its block inline", e.Seq)
			return nil
		}
		if m.Type == pbft.MsgPrePrepare {
			m.Block = slot()
			if m.Block != nil && m.Block.Digest(e.Seq) != m.Digest {
				r.fail("the block of the pre-prepare for %d does not match its digest", e.Seq)
			}
		}
		return m
	}
	for _, dst := range []**pbft.Message{&e.PrePrepare, &e.Prepare, &e.Commit} {
		if r.flag() {
			*dst = msg()
		}
	}
	if r.flag() {
		p := &pbft.PreparedProof{}
		if m := msg(); m != nil {
			p.PrePrepare = *m
		}
		n := r.count(maxProof)
		for i := 0; i < n && r.err == nil; i++ {
			if m := r.msg(); m != nil {
				p.Prepares = append(p.Prepares, *m)
			}
		}
		e.Prepared = p
	}
	e.PreparedBlock = slot()
	if err := r.done(); err != nil {
		return nil, err
	}
	return e, nil
}

// isEmptyEntry reports whether e holds nothing: the core forgets the
// record of its sequence number (votes of an old epoch above a
// reconfiguration).
func isEmptyEntry(e *pbft.EntryRecord) bool {
	return e.PrePrepare == nil && e.Prepare == nil && e.Commit == nil && e.Prepared == nil && e.PreparedBlock == nil
}

// Result is the outcome of executing one transaction of a block.
type Result struct {
	Code   Code
	Reason string // empty when accepted; otherwise what was wrong
}

// Code classifies a transaction's execution result.
type Code uint8

// Result codes. Accepted is the only one that changes state.
const (
	Accepted Code = iota
	Rejected
)

func (c Code) String() string {
	if c == Accepted {
		return "accepted"
	}
	return "rejected"
}

// BlockRecord is one committed block as stored: the block, its commit
// certificate, the chain digest after it, when this replica committed it,
// and the execution result of each transaction (same order as Block.Txs).
type BlockRecord struct {
	Height      uint64
	Block       *pbft.Block
	Cert        *pbft.Certificate
	StateDigest pbft.Hash
	CommitTime  int64 // Unix milliseconds, this replica's clock (not agreed)
	Results     []Result
}

func encodeBlockRecord(br *BlockRecord) []byte {
	blk := pbft.EncodeBlock(br.Block)
	w := writer{b: make([]byte, 0, len(blk)+8*1024)}
	w.u(br.Height)
	w.bytes(blk)
	w.bytes(pbft.EncodeCertificate(br.Cert))
	w.hash(br.StateDigest)
	w.u(uint64(br.CommitTime))
	w.u(uint64(len(br.Results)))
	for _, res := range br.Results {
		w.u(uint64(res.Code))
		w.str(res.Reason)
	}
	return w.b
}

// DecodeBlockRecord parses a stored block record (as Block returns it raw).
func DecodeBlockRecord(b []byte) (*BlockRecord, error) {
	r := reader{b: b}
	br := &BlockRecord{Height: r.u()}
	blk := r.bytes(len(b))
	cert := r.bytes(len(b))
	br.StateDigest = r.hash()
	br.CommitTime = int64(r.u())
	n := r.count(maxResults)
	for i := 0; i < n && r.err == nil; i++ {
		code := r.u()
		if code > uint64(Rejected) {
			r.fail("result code %d", code)
		}
		br.Results = append(br.Results, Result{Code: Code(code), Reason: r.str(maxReason)})
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	var err error
	if br.Block, err = pbft.DecodeBlock(blk); err != nil {
		return nil, fmt.Errorf("%w: block %d: %w", ErrCorrupt, br.Height, err)
	}
	if br.Cert, err = pbft.DecodeCertificate(cert); err != nil {
		return nil, fmt.Errorf("%w: certificate %d: %w", ErrCorrupt, br.Height, err)
	}
	if len(br.Results) != len(br.Block.Txs) {
		return nil, fmt.Errorf("%w: block %d has %d transactions and %d results", ErrCorrupt, br.Height, len(br.Block.Txs), len(br.Results))
	}
	return br, nil
}

// Status is the state of a career record.
type Status uint8

// Record states.
const (
	Active Status = iota + 1
	Superseded
	Revoked
)

func (s Status) String() string {
	switch s {
	case Active:
		return "active"
	case Superseded:
		return "superseded"
	case Revoked:
		return "revoked"
	}
	return "unknown"
}

// Record is the state of one career record (a register or amend TxID).
type Record struct {
	Status       Status
	Holder       string   // holder address
	HolderKey    string   // hex Ed25519 key
	Attester     string   // hex Ed25519 key of the attesting admin
	SupersededBy [32]byte // TxID of the amendment, when Superseded
	RevokedBy    [32]byte // TxID of the revocation, when Revoked
	Reason       string   // revocation reason
}

func encodeRecord(rec *Record) []byte {
	var w writer
	w.u(uint64(rec.Status))
	w.str(rec.Holder)
	w.str(rec.HolderKey)
	w.str(rec.Attester)
	w.hash(rec.SupersededBy)
	w.hash(rec.RevokedBy)
	w.str(rec.Reason)
	return w.b
}

func decodeRecord(b []byte) (*Record, error) {
	r := reader{b: b}
	rec := &Record{Status: Status(r.u()), Holder: r.str(128), HolderKey: r.str(128), Attester: r.str(128),
		SupersededBy: r.hash(), RevokedBy: r.hash(), Reason: r.str(maxReason)}
	if err := r.done(); err != nil {
		return nil, err
	}
	if rec.Status < Active || rec.Status > Revoked {
		return nil, fmt.Errorf("%w: record status %d", ErrCorrupt, rec.Status)
	}
	return rec, nil
}
