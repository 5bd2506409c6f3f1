package pbft

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Wire format: a message is a version byte (1) followed by its fields in a
// fixed order. Integers are uvarints, byte strings are a uvarint length and
// the bytes, optional parts a presence byte. Decoding checks every length
// against the bytes that remain before allocating, so a claimed length can
// never make the decoder allocate more than the input's size, and nesting is
// bounded (a VIEW-CHANGE inside a NEW-VIEW carries no further VIEW-CHANGE).

const wireVersion = 2

// MaxMessageSize is the default bound on an encoded message: quicnet's
// default frame, so no message the core makes is dropped for size. A
// block is at most MaxBatchBytes (4 MiB by default) and view changes and
// new views carry digests, so the largest messages stay well below it.
const MaxMessageSize = 16 << 20

type writer struct{ b []byte }

func (w *writer) u(v uint64)     { w.b = binary.AppendUvarint(w.b, v) }
func (w *writer) bytes(p []byte) { w.u(uint64(len(p))); w.b = append(w.b, p...) }
func (w *writer) hash(h Hash)    { w.b = append(w.b, h[:]...) }
func (w *writer) flag(ok bool) {
	if ok {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *writer) membership(m *Membership) {
	w.u(m.Epoch)
	w.u(uint64(len(m.Members)))
	for _, mb := range m.Members {
		w.u(mb.ID)
		w.bytes(mb.SignKey)
		w.bytes(mb.NetKey)
		w.bytes([]byte(mb.Addr))
		w.bytes([]byte(mb.API))
	}
}

func (w *writer) block(b *Block) {
	w.u(b.View)
	w.u(b.Proposer)
	w.u(uint64(b.Time))
	w.flag(b.Config != nil)
	if b.Config != nil {
		w.membership(b.Config)
	}
	w.u(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		w.bytes(tx)
	}
}

func (w *writer) message(m *Message, depth int) {
	w.b = append(w.b, byte(m.Type))
	w.u(m.From)
	w.u(m.Epoch)
	w.u(m.View)
	w.u(m.Seq)
	w.hash(m.Digest)
	w.flag(m.Block != nil)
	if m.Block != nil {
		w.block(m.Block)
	}
	w.u(uint64(len(m.Requests)))
	for _, r := range m.Requests {
		w.bytes(r)
	}
	w.flag(m.VC != nil && depth < 2)
	if m.VC != nil && depth < 2 {
		w.viewChange(m.VC, depth+1)
	}
	w.flag(m.NV != nil && depth < 1)
	if m.NV != nil && depth < 1 {
		w.u(uint64(len(m.NV.ViewChanges)))
		for i := range m.NV.ViewChanges {
			w.message(&m.NV.ViewChanges[i], depth+1)
		}
		w.u(uint64(len(m.NV.PrePrepares)))
		for i := range m.NV.PrePrepares {
			w.message(&m.NV.PrePrepares[i], depth+1)
		}
	}
	w.bytes(m.Sig)
}

func (w *writer) viewChange(vc *ViewChange, depth int) {
	w.u(vc.StableSeq)
	w.hash(vc.StableDigest)
	w.u(uint64(len(vc.Checkpoints)))
	for i := range vc.Checkpoints {
		w.message(&vc.Checkpoints[i], depth+1)
	}
	w.u(uint64(len(vc.Prepared)))
	for i := range vc.Prepared {
		p := &vc.Prepared[i]
		w.message(&p.PrePrepare, depth+1)
		w.u(uint64(len(p.Prepares)))
		for j := range p.Prepares {
			w.message(&p.Prepares[j], depth+1)
		}
	}
}

// Encode returns the wire encoding of m (To is not encoded).
func (m *Message) Encode() []byte {
	w := writer{b: make([]byte, 0, 128+m.approxSize())}
	w.b = append(w.b, wireVersion)
	w.message(m, 0)
	return w.b
}

func (m *Message) approxSize() int {
	n := len(m.Sig)
	if m.Block != nil {
		n += m.Block.Size() + 4*len(m.Block.Txs)
	}
	for _, r := range m.Requests {
		n += len(r) + 4
	}
	return n
}

// SigningBytes returns what the message's signature covers on chain
// chainID (see signingBytes). An application may use it to sign a message
// it knows the core will sign, ahead of time.
func (m *Message) SigningBytes(chainID string) []byte { return m.signingBytes(chainID) }

// signingDomain opens every consensus signature: the format's version
// (v2 added the chain ID and the epoch), then the chain ID, so a signature
// made for one chain or format never verifies for another.
const signingDomain = "careerchain/pbft/v2\n"

// signingBytes is what a message's signature covers: the domain, the chain
// ID, the header fields (the epoch among them) and, for a VIEW-CHANGE or a
// NEW-VIEW, the hash of its body. The block of a pre-prepare is covered
// through Digest, which Step checks against the block. Bodies that do not
// belong to the type are not covered: Step refuses messages that carry them.
func (m *Message) signingBytes(chainID string) []byte {
	w := writer{b: make([]byte, 0, 128+len(chainID))}
	w.b = append(w.b, signingDomain...)
	w.bytes([]byte(chainID))
	w.b = append(w.b, byte(m.Type))
	w.u(m.From)
	w.u(m.Epoch)
	w.u(m.View)
	w.u(m.Seq)
	w.hash(m.Digest)
	switch {
	case m.Type == MsgViewChange && m.VC != nil:
		body := writer{}
		body.viewChange(m.VC, 1)
		w.hash(sha256.Sum256(body.b))
	case m.Type == MsgNewView && m.NV != nil:
		body := writer{}
		c := Message{NV: m.NV}
		body.message(&c, 0)
		w.hash(sha256.Sum256(body.b))
	}
	return w.b
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrBadMessage}, args...)...)
	}
}

func (r *reader) u() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 || (n > 1 && r.b[n-1] == 0) {
		// A minimal uvarint never ends in a zero byte: refusing padded
		// forms keeps the encoding canonical (one message, one byte string).
		r.fail("truncated, overlong or padded integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) flag() bool {
	switch r.byte1() {
	case 0:
		return false
	case 1:
		return true
	}
	r.fail("bad presence flag")
	return false
}

func (r *reader) bytes(max int) []byte {
	n := r.u()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) || n > uint64(max) {
		r.fail("length %d exceeds the %d bytes left or the limit %d", n, len(r.b), max)
		return nil
	}
	if n == 0 {
		return nil
	}
	p := make([]byte, n)
	copy(p, r.b)
	r.b = r.b[n:]
	return p
}

// count reads a collection length; every element takes at least min bytes,
// so a count larger than what remains is refused before anything is allocated.
func (r *reader) count(min, max int) int {
	n := r.u()
	if r.err != nil {
		return 0
	}
	if n > uint64(max) || n*uint64(min) > uint64(len(r.b)) {
		r.fail("count %d is too large", n)
		return 0
	}
	return int(n)
}

func (r *reader) hash() (h Hash) {
	if r.err != nil {
		return h
	}
	if len(r.b) < len(h) {
		r.fail("truncated hash")
		return h
	}
	copy(h[:], r.b)
	r.b = r.b[len(h):]
	return h
}

const (
	maxKey       = 8 << 10
	maxString    = 1 << 10
	maxMembers   = 1 << 10
	maxTxs       = 1 << 20
	maxNested    = 1 << 12
	maxSignature = 8 << 10
)

func (r *reader) membership() *Membership {
	m := &Membership{Epoch: r.u()}
	n := r.count(4, maxMembers)
	if n > 0 {
		m.Members = make([]Member, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		m.Members[i] = Member{
			ID:      r.u(),
			SignKey: r.bytes(maxKey),
			NetKey:  r.bytes(maxKey),
			Addr:    string(r.bytes(maxString)),
			API:     string(r.bytes(maxString)),
		}
	}
	return m
}

func (r *reader) block() *Block {
	b := &Block{View: r.u(), Proposer: r.u(), Time: int64(r.u())}
	if r.flag() {
		b.Config = r.membership()
	}
	n := r.count(1, maxTxs)
	if n > 0 {
		b.Txs = make([][]byte, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		b.Txs[i] = r.bytes(MaxMessageSize)
	}
	return b
}

func (r *reader) message(m *Message, depth int) {
	m.Type = MsgType(r.byte1())
	if r.err == nil && (m.Type < MsgRequest || m.Type > MsgBlock) {
		r.fail("unknown message type %d", m.Type)
	}
	m.From = r.u()
	m.Epoch = r.u()
	m.View = r.u()
	m.Seq = r.u()
	m.Digest = r.hash()
	if r.flag() {
		m.Block = r.block()
	}
	if n := r.count(1, maxTxs); n > 0 {
		m.Requests = make([][]byte, n)
		for i := 0; i < n && r.err == nil; i++ {
			m.Requests[i] = r.bytes(MaxMessageSize)
		}
	}
	if r.flag() {
		if depth >= 2 {
			r.fail("view-change nested too deep")
			return
		}
		m.VC = r.viewChange(depth + 1)
	}
	if r.flag() {
		if depth >= 1 {
			r.fail("new-view nested too deep")
			return
		}
		nv := &NewView{}
		if n := r.count(8, maxNested); n > 0 {
			nv.ViewChanges = make([]Message, n)
			for i := 0; i < n && r.err == nil; i++ {
				r.message(&nv.ViewChanges[i], depth+1)
			}
		}
		if n := r.count(8, maxNested); n > 0 {
			nv.PrePrepares = make([]Message, n)
			for i := 0; i < n && r.err == nil; i++ {
				r.message(&nv.PrePrepares[i], depth+1)
			}
		}
		m.NV = nv
	}
	m.Sig = r.bytes(maxSignature)
}

func (r *reader) viewChange(depth int) *ViewChange {
	vc := &ViewChange{StableSeq: r.u(), StableDigest: r.hash()}
	if n := r.count(8, maxMembers); n > 0 {
		vc.Checkpoints = make([]Message, n)
		for i := 0; i < n && r.err == nil; i++ {
			r.message(&vc.Checkpoints[i], depth+1)
		}
	}
	if n := r.count(8, maxNested); n > 0 {
		vc.Prepared = make([]PreparedProof, n)
		for i := 0; i < n && r.err == nil; i++ {
			p := &vc.Prepared[i]
			r.message(&p.PrePrepare, depth+1)
			if k := r.count(8, maxMembers); k > 0 {
				p.Prepares = make([]Message, k)
				for j := 0; j < k && r.err == nil; j++ {
					r.message(&p.Prepares[j], depth+1)
				}
			}
		}
	}
	return vc
}

// Decode parses a message of at most max bytes (MaxMessageSize if max <= 0).
// Malformed, truncated, oversized or over-nested input is an ErrBadMessage.
func Decode(b []byte, max int) (*Message, error) {
	if max <= 0 {
		max = MaxMessageSize
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: %d bytes exceeds the limit of %d", ErrBadMessage, len(b), max)
	}
	r := reader{b: b}
	if v := r.byte1(); r.err == nil && v != wireVersion {
		return nil, fmt.Errorf("%w: unknown wire version %d", ErrBadMessage, v)
	}
	m := &Message{}
	r.message(m, 0)
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

// EncodeMembership returns the canonical encoding of a membership.
func EncodeMembership(m *Membership) []byte {
	var w writer
	w.membership(m)
	return w.b
}

// DecodeMembership parses EncodeMembership's output and validates it.
func DecodeMembership(b []byte) (*Membership, error) {
	r := reader{b: b}
	m := r.membership()
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// EncodeBlock returns the wire encoding of a block.
func EncodeBlock(b *Block) []byte {
	w := writer{b: make([]byte, 0, 64+b.Size()+4*len(b.Txs))}
	w.block(b)
	return w.b
}

// DecodeBlock parses EncodeBlock's output.
func DecodeBlock(b []byte) (*Block, error) {
	r := reader{b: b}
	blk := r.block()
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	if blk.Config != nil {
		if err := blk.Config.Validate(); err != nil {
			return nil, err
		}
	}
	return blk, nil
}

// certVersion opens an encoded certificate; version 2 added the epoch.
const certVersion = 2

// EncodeCertificate returns the wire encoding of a certificate.
func EncodeCertificate(c *Certificate) []byte {
	var w writer
	w.b = append(w.b, certVersion)
	w.u(c.Epoch)
	w.u(c.View)
	w.u(c.Seq)
	w.hash(c.Digest)
	w.u(uint64(len(c.Sigs)))
	for _, s := range c.Sigs {
		w.u(s.Replica)
		w.bytes(s.Sig)
	}
	return w.b
}

// DecodeCertificate parses EncodeCertificate's output. It does not verify
// the signatures: call Certificate.Verify.
func DecodeCertificate(b []byte) (*Certificate, error) {
	r := reader{b: b}
	if v := r.byte1(); r.err == nil && v != certVersion {
		return nil, fmt.Errorf("%w: certificate format %d, this build reads %d", ErrBadMessage, v, certVersion)
	}
	c := &Certificate{Epoch: r.u(), View: r.u(), Seq: r.u(), Digest: r.hash()}
	if n := r.count(2, maxMembers); n > 0 {
		c.Sigs = make([]CommitSig, n)
		for i := 0; i < n && r.err == nil; i++ {
			c.Sigs[i] = CommitSig{Replica: r.u(), Sig: r.bytes(maxSignature)}
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return c, nil
}
