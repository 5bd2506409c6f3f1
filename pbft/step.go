package pbft

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
)

// Step processes one message from a peer. Messages that fail stateless
// checks (unknown sender, bad signature, malformed body) return an error and
// change nothing; a message that is valid but stale is ignored; a message for
// a later view or sequence number is kept (bounded per sender) until it can
// be processed.
//
// A signed message counts only in the epoch it names: one of an earlier
// epoch is ignored, one of a later epoch (the sender executed a
// reconfiguration this replica has not yet) is kept until this replica
// gets there, and checked again then.
func (c *Core) Step(m Message) error {
	if m.From == c.id {
		return fmt.Errorf("%w: message claims to come from this replica", ErrBadMessage)
	}
	return c.process(m)
}

// process is Step for a message from a peer, also used to replay what
// was stashed.
func (c *Core) process(m Message) error {
	if !c.m.Has(m.From) {
		return fmt.Errorf("%w: replica %d", ErrNotMember, m.From)
	}
	if err := checkShape(&m, false); err != nil {
		return err
	}
	if !signed(m.Type) {
		// Unsigned: the transport authenticated the sender, and a
		// block body is checked against the digest it answers.
		return c.step(m)
	}
	if m.Epoch < c.m.Epoch {
		c.helpLaggard(m.From)
		return nil
	}
	if m.Epoch > c.m.Epoch {
		return c.laterEpoch(&m)
	}
	if err := c.verify(&m, c.m); err != nil {
		return err
	}
	c.notePeerView(m.From, m.View)
	return c.step(m)
}

// helpLaggard answers a peer that still speaks in an earlier epoch with
// this replica's latest checkpoint, at most once a tick per peer: from f+1
// of them it learns that it is behind and fetches the blocks it misses
// (see laterEpoch). Without this a replica that lost the checkpoints of a
// reconfiguration would wait forever in the old epoch, whose messages
// nobody counts any more.
func (c *Core) helpLaggard(peer uint64) {
	if c.lastCP == nil || c.helped[peer] == c.ticks+1 {
		return
	}
	if c.helped == nil {
		c.helped = make(map[uint64]int64)
	}
	c.helped[peer] = c.ticks + 1
	c.send(*c.lastCP, peer)
}

// signed reports whether messages of type t carry a signature.
func signed(t MsgType) bool { return t != MsgRequest && t != MsgFetchBlock && t != MsgBlock }

// laterEpoch keeps a message signed in an epoch this replica has not
// reached. Its signature is checked with the sender's key in the current
// membership, so only what the member really said is held; the message is
// checked in full when replayed. A message of a later epoch shows that
// this replica is behind: it fetches the blocks the sender has from it
// (Install verifies each certificate, so a false hint costs a fetch, never
// a wrong block). One member suffices: after a reconfiguration the others
// of the new epoch may be faulty or lagging too.
func (c *Core) laterEpoch(m *Message) error {
	if err := c.verifySig(m, c.m); err != nil {
		return err
	}
	// How far the sender has executed at least: a checkpoint's sequence
	// number, a view change's stable checkpoint, the block before a vote's.
	var done uint64
	switch {
	case m.Type == MsgCheckpoint:
		done = m.Seq
	case m.Type == MsgViewChange:
		done = m.VC.StableSeq
	case m.Seq > 0:
		done = m.Seq - 1
	}
	if done > c.executed && done > c.futureCP[m.From] {
		c.futureCP[m.From] = done
		c.requestFetch(c.executed+1, done, []uint64{m.From})
	}
	c.stashMsg(m)
	return nil
}

// checkShape refuses a message that carries a body its type does not
// have, at the top level or nested in a VIEW-CHANGE or NEW-VIEW: such a
// body is not covered by the signature, and a vote carrying one would
// poison every certificate or proof it is copied into.
func checkShape(m *Message, nested bool) error {
	bad := func(what string) error {
		where := ""
		if nested {
			where = " (nested)"
		}
		return fmt.Errorf("%w: %s%s %s", ErrBadMessage, m.Type, where, what)
	}
	switch {
	case m.Block != nil && m.Type != MsgPrePrepare && m.Type != MsgBlock:
		return bad("carries a block")
	case m.Block != nil && nested:
		return bad("carries a block; nested pre-prepares carry the digest only")
	case m.Block == nil && !nested && (m.Type == MsgPrePrepare || m.Type == MsgBlock):
		return bad("has no block")
	case len(m.Requests) > 0 && m.Type != MsgRequest:
		return bad("carries requests")
	case m.VC != nil && m.Type != MsgViewChange:
		return bad("carries a view-change body")
	case m.VC == nil && m.Type == MsgViewChange:
		return bad("has no body")
	case m.NV != nil && m.Type != MsgNewView:
		return bad("carries a new-view body")
	case m.NV == nil && m.Type == MsgNewView:
		return bad("has no body")
	case len(m.Sig) > 0 && !signed(m.Type):
		return bad("carries a signature")
	}
	if vc := m.VC; vc != nil {
		for i := range vc.Checkpoints {
			if err := nestedShape(&vc.Checkpoints[i], MsgCheckpoint); err != nil {
				return err
			}
		}
		for i := range vc.Prepared {
			p := &vc.Prepared[i]
			if err := nestedShape(&p.PrePrepare, MsgPrePrepare); err != nil {
				return err
			}
			for j := range p.Prepares {
				if err := nestedShape(&p.Prepares[j], MsgPrepare); err != nil {
					return err
				}
			}
		}
	}
	if nv := m.NV; nv != nil {
		for i := range nv.ViewChanges {
			if err := nestedShape(&nv.ViewChanges[i], MsgViewChange); err != nil {
				return err
			}
		}
		for i := range nv.PrePrepares {
			if err := nestedShape(&nv.PrePrepares[i], MsgPrePrepare); err != nil {
				return err
			}
		}
	}
	return nil
}

func nestedShape(m *Message, t MsgType) error {
	if m.Type != t {
		return fmt.Errorf("%w: a %s where a %s belongs", ErrBadMessage, m.Type, t)
	}
	return checkShape(m, true)
}

func (c *Core) step(m Message) error {
	if !c.m.Has(c.id) && m.Type != MsgCheckpoint {
		return nil // a learner only follows checkpoints and installs fetched blocks
	}
	switch m.Type {
	case MsgRequest:
		return c.onRequest(&m)
	case MsgPrePrepare:
		return c.onPrePrepare(&m)
	case MsgPrepare:
		c.onPrepare(&m)
	case MsgCommit:
		c.onCommit(&m)
	case MsgCheckpoint:
		c.onCheckpoint(&m)
	case MsgViewChange:
		c.onViewChange(&m)
	case MsgNewView:
		return c.onNewView(&m)
	case MsgFetchBlock:
		c.onFetchBlock(&m)
	case MsgBlock:
		return c.onBlock(&m)
	default:
		return fmt.Errorf("%w: unknown type %d", ErrBadMessage, m.Type)
	}
	return nil
}

// verify checks a signed message and everything nested in it against
// membership m. It is stateless: no log or view is consulted.
func (c *Core) verify(m *Message, ms *Membership) error {
	if err := c.verifySig(m, ms); err != nil {
		return err
	}
	switch m.Type {
	case MsgPrePrepare:
		if m.Block != nil && m.Block.Digest(m.Seq) != m.Digest {
			return fmt.Errorf("%w: pre-prepare block does not match its digest", ErrBadMessage)
		}
		if m.From != ms.Primary(m.View) {
			return fmt.Errorf("%w: pre-prepare for view %d from %d, not its primary", ErrBadMessage, m.View, m.From)
		}
	case MsgPrepare:
		if m.From == ms.Primary(m.View) {
			return fmt.Errorf("%w: the primary of view %d sends no prepare", ErrBadMessage, m.View)
		}
	case MsgViewChange:
		if m.VC == nil {
			return fmt.Errorf("%w: view-change without body", ErrBadMessage)
		}
		return c.verifyViewChange(m, ms)
	case MsgNewView:
		return c.verifyNewView(m, ms)
	}
	return nil
}

func (c *Core) verifySig(m *Message, ms *Membership) error {
	mb, ok := ms.Member(m.From)
	if !ok {
		return fmt.Errorf("%w: replica %d", ErrNotMember, m.From)
	}
	sb := m.signingBytes(c.cfg.ChainID)
	key := sha256.Sum256(append(sb, m.Sig...))
	if _, ok := c.verified[key]; ok {
		return nil
	}
	verifier, pub := c.cfg.Verifier, mb.SignKey
	if c.cfg.VoteVerifier != nil && isVote(m.Type) {
		verifier, pub = c.cfg.VoteVerifier, mb.NetKey
	}
	if !verifier.Verify(pub, sb, m.Sig) {
		return fmt.Errorf("%w: %s from %d view %d seq %d", ErrBadSignature, m.Type, m.From, m.View, m.Seq)
	}
	if c.verified == nil || len(c.verified) > 1<<14 {
		c.verified = make(map[Hash]struct{})
	}
	c.verified[key] = struct{}{}
	return nil
}

func (c *Core) verifyViewChange(m *Message, ms *Membership) error {
	vc := m.VC
	if vc.StableSeq > 0 {
		if err := c.verifyCheckpointProof(vc.StableSeq, vc.StableDigest, vc.Checkpoints); err != nil {
			return err
		}
	}
	seen := make(map[uint64]bool, len(vc.Prepared))
	for i := range vc.Prepared {
		p := &vc.Prepared[i]
		pp := &p.PrePrepare
		if pp.Type != MsgPrePrepare || pp.View >= m.View || pp.Seq <= vc.StableSeq || pp.Seq > vc.StableSeq+c.cfg.WindowSize || seen[pp.Seq] ||
			pp.Seq <= c.epochStart() || pp.Epoch != m.Epoch {
			return fmt.Errorf("%w: view-change from %d has a bad prepared proof for seq %d (epoch %d)", ErrBadMessage, m.From, pp.Seq, pp.Epoch)
		}
		seen[pp.Seq] = true
		if err := c.verify(pp, ms); err != nil {
			return err
		}
		if err := c.verifyVotes(p.Prepares, MsgPrepare, pp.View, pp.Seq, pp.Digest, ms.Quorum()-1, ms); err != nil {
			return err
		}
	}
	return nil
}

// verifyCheckpointProof checks a stable checkpoint's proof against the
// membership of the epoch its checkpoints name: the one in force after
// seq, which signs the checkpoint of a reconfiguration block too.
func (c *Core) verifyCheckpointProof(seq uint64, d Hash, proof []Message) error {
	if len(proof) == 0 {
		return fmt.Errorf("%w: checkpoint proof for seq %d is empty", ErrBadMessage, seq)
	}
	ms, ok := c.membershipOf(proof[0].Epoch)
	if !ok {
		return fmt.Errorf("%w: checkpoint proof for seq %d is signed in epoch %d, which this replica does not know", ErrBadMessage, seq, proof[0].Epoch)
	}
	return c.verifyVotes(proof, MsgCheckpoint, 0, seq, d, ms.Quorum(), ms)
}

// epochStart is the sequence number of the reconfiguration block that put
// the membership in force (0 for the genesis membership). Every member of
// the current epoch executed it, so view changes look only above it.
func (c *Core) epochStart() uint64 {
	if n := len(c.configSeqs); n > 0 {
		return c.configSeqs[n-1]
	}
	return 0
}

// verifyVotes checks that votes holds at least need valid messages of type t
// for (view, seq, d) from distinct members (view is ignored for checkpoints).
func (c *Core) verifyVotes(votes []Message, t MsgType, view, seq uint64, d Hash, need int, ms *Membership) error {
	from := make(map[uint64]bool, len(votes))
	for i := range votes {
		v := &votes[i]
		if v.Type != t || v.Seq != seq || v.Digest != d || (t != MsgCheckpoint && v.View != view) || v.Epoch != ms.Epoch || from[v.From] {
			return fmt.Errorf("%w: %s proof for seq %d has a mismatched or repeated vote", ErrBadMessage, t, seq)
		}
		if t == MsgPrepare && v.From == ms.Primary(view) {
			return fmt.Errorf("%w: prepare proof includes the primary", ErrBadMessage)
		}
		if err := c.verifySig(v, ms); err != nil {
			return err
		}
		from[v.From] = true
	}
	if len(from) < need {
		return fmt.Errorf("%w: %s proof for seq %d has %d votes, needs %d", ErrBadMessage, t, seq, len(from), need)
	}
	return nil
}

func (c *Core) verifyNewView(m *Message, ms *Membership) error {
	nv := m.NV
	if nv == nil {
		return fmt.Errorf("%w: new-view without body", ErrBadMessage)
	}
	if m.From != ms.Primary(m.View) {
		return fmt.Errorf("%w: new-view for view %d from %d, not its primary", ErrBadMessage, m.View, m.From)
	}
	from := make(map[uint64]bool)
	for i := range nv.ViewChanges {
		vc := &nv.ViewChanges[i]
		if vc.Type != MsgViewChange || vc.View != m.View || vc.Epoch != m.Epoch || from[vc.From] {
			return fmt.Errorf("%w: new-view carries a mismatched or repeated view-change", ErrBadMessage)
		}
		from[vc.From] = true
		if err := c.verify(vc, ms); err != nil {
			return err
		}
	}
	if len(from) < ms.Quorum() {
		return fmt.Errorf("%w: new-view has %d view-changes, needs %d", ErrBadMessage, len(from), ms.Quorum())
	}
	for i := range nv.PrePrepares {
		pp := &nv.PrePrepares[i]
		if pp.Type != MsgPrePrepare || pp.View != m.View || pp.From != m.From || pp.Epoch != m.Epoch {
			return fmt.Errorf("%w: new-view carries a foreign pre-prepare", ErrBadMessage)
		}
		if err := c.verify(pp, ms); err != nil {
			return err
		}
	}
	return nil
}

// stashMsg keeps a message that may become useful later, at most
// StashPerPeer messages and StashBytesPerPeer bytes per sender, dropping
// the oldest.
func (c *Core) stashMsg(m *Message) {
	size := m.heldSize()
	if size > c.cfg.StashBytesPerPeer {
		return
	}
	s, held := c.stash[m.From], c.stashBytes[m.From]
	for len(s) > 0 && (len(s) >= c.cfg.StashPerPeer || held+size > c.cfg.StashBytesPerPeer) {
		held -= s[0].heldSize()
		s = s[1:]
	}
	c.stash[m.From] = append(s, *m)
	c.stashBytes[m.From] = held + size
}

// heldSize approximates the memory a stored message holds.
func (m *Message) heldSize() int {
	n := 128 + len(m.Sig) + m.approxSize()
	if m.VC != nil || m.NV != nil {
		n += len(m.Encode())
	}
	return n
}

func (c *Core) replayStash() {
	if len(c.stash) == 0 {
		return
	}
	old := c.stash
	c.stash = make(map[uint64][]Message)
	clear(c.stashBytes)
	peers := make([]uint64, 0, len(old))
	for p := range old {
		peers = append(peers, p)
	}
	slices.Sort(peers)
	for _, p := range peers {
		if !c.m.Has(p) {
			continue
		}
		for _, m := range old[p] {
			_ = c.process(m)
		}
	}
}

// notePeerView records the view a peer speaks in. When f+1 peers speak in
// views above ours, at least one correct replica is there: join it.
func (c *Core) notePeerView(from, v uint64) {
	if c.peerView == nil {
		c.peerView = make(map[uint64]uint64)
	}
	if v <= c.peerView[from] {
		return
	}
	c.peerView[from] = v
	var above []uint64
	for p, pv := range c.peerView {
		if pv > c.view && c.m.Has(p) {
			above = append(above, pv)
		}
	}
	f := c.m.F()
	if len(above) < f+1 {
		return
	}
	slices.Sort(above)
	target := above[len(above)-f-1] // f+1 peers are at this view or above
	c.startViewChange(target)
}

func (c *Core) onRequest(m *Message) error {
	primary := !c.inVC && c.m.Primary(c.view) == c.id
	for _, r := range m.Requests {
		if len(r) == 0 || len(r) > c.cfg.MaxRequestBytes {
			return fmt.Errorf("%w: forwarded request of %d bytes", ErrTooLarge, len(r))
		}
		// A backup watches the request too (its timer is what removes a
		// primary that ignores requests) and passes it on to the primary.
		if c.addPending(r) && !primary && c.m.Primary(c.view) != m.From {
			c.forward = append(c.forward, r)
		}
	}
	return nil
}

func (c *Core) onPrePrepare(m *Message) error {
	switch {
	case m.View < c.view || m.Seq <= c.executed || m.Seq <= c.low():
		return nil
	case m.View > c.view || c.inVC || m.Seq > c.high() || (c.barrier != 0 && m.Seq > c.barrier):
		c.stashMsg(m)
		return nil
	}
	b := m.Block
	if b.View != m.View || b.Proposer != m.From {
		return fmt.Errorf("%w: block view/proposer do not match the pre-prepare", ErrBadMessage)
	}
	if len(b.Txs) > c.cfg.MaxBatch || b.Size() > max(c.cfg.MaxBatchBytes, c.cfg.MaxRequestBytes) {
		return fmt.Errorf("%w: block of %d transactions and %d bytes (limits %d and %d)", ErrTooLarge, len(b.Txs), b.Size(), c.cfg.MaxBatch, c.cfg.MaxBatchBytes)
	}
	e := c.entry(m.Seq)
	if e.pp != nil && e.view == m.View {
		if e.digest != m.Digest {
			c.event("equivocation", m.View, m.Seq, m.From, "two pre-prepares for one sequence number")
			c.startViewChange(c.view + 1)
		}
		return nil
	}
	if b.Config != nil && b.Config.Epoch <= c.m.Epoch {
		c.event("rejected-block", m.View, m.Seq, m.From, "stale reconfiguration")
		c.startViewChange(c.view + 1)
		return nil
	}
	if b.Config != nil && m.Seq != c.executed+1 {
		// A reconfiguration is judged against exactly the chain before
		// it: wait until this replica has executed that far.
		cp := *m
		c.configPP = &cp
		return nil
	}
	if c.now != 0 && (b.Time > c.now+c.cfg.MaxClockSkew || b.Time < c.now-c.cfg.MaxClockSkew || b.Time < c.execTime) {
		c.event("clock-skew", m.View, m.Seq, m.From, fmt.Sprintf("block time %d, this replica's clock %d, last block %d", b.Time, c.now, c.execTime))
		return nil
	}
	if c.cfg.ValidateBlocks {
		// The application judges the block (Ready.Validate); the vote
		// waits for its verdict (Validated).
		if j, ok := c.judging[m.Seq]; ok && j.View == m.View {
			if j.Digest != m.Digest {
				c.event("equivocation", m.View, m.Seq, m.From, "two pre-prepares for one sequence number")
				c.startViewChange(c.view + 1)
			}
			return nil
		}
		cp := *m
		cp.To = 0
		c.judging[m.Seq] = &cp
		c.validate = append(c.validate, Validation{Seq: m.Seq, Digest: m.Digest, Block: b})
		return nil
	}
	c.acceptPrePrepare(e, m, nil)
	return nil
}

// acceptPrePrepare logs the pre-prepare and, at a backup, sends PREPARE. A
// pre-prepare of a NEW-VIEW carries no block: its body is taken from what
// this replica already holds or fetched from holders (peers known to have
// it); votes need only the digest, execution waits for the body.
func (c *Core) acceptPrePrepare(e *entry, pp *Message, holders []uint64) {
	cp := *pp
	cp.To = 0
	if cp.Block == nil {
		cp.Block = c.bodyFor(e, pp.View, pp.Digest)
	}
	e.view, e.epoch, e.digest, e.pp = pp.View, pp.Epoch, pp.Digest, &cp
	e.commitOK = false
	c.dirty[e.seq] = true
	if cp.Block == nil {
		c.want(e.seq, pp.Digest, holders)
	} else {
		e.known = cp.Block
		c.noteBlock(e.seq, cp.Block)
	}
	if c.m.Primary(pp.View) != c.id {
		if e.myPrep == nil || e.myPrep.View != pp.View || e.myPrep.Digest != pp.Digest || e.myPrep.Epoch != pp.Epoch {
			prep := Message{Type: MsgPrepare, View: pp.View, Seq: e.seq, Digest: pp.Digest}
			c.sign(&prep)
			e.myPrep = &prep
		}
		e.prepares[c.id] = e.myPrep
		c.send(*e.myPrep, 0)
	}
	c.checkPrepared(e)
	c.checkCommitted(e)
}

// noteBlock records what a block at seq means for proposing: its
// requests are in flight, and a reconfiguration holds back what follows.
func (c *Core) noteBlock(seq uint64, b *Block) {
	if b.Config != nil && seq > c.executed {
		c.barrier = seq
	}
	for _, tx := range b.Txs {
		c.proposed[reqHash(tx)] = seq
	}
}

// nullBlock is the block a NEW-VIEW's primary puts where no block was
// prepared; every replica can build it from the view alone.
func (c *Core) nullBlock(v uint64) *Block { return &Block{View: v, Proposer: c.m.Primary(v)} }

// bodyFor returns the body of block d at e's sequence number if this
// replica has it, or nil.
func (c *Core) bodyFor(e *entry, v uint64, d Hash) *Block {
	for _, b := range []*Block{e.known, e.prepBlk} {
		if b != nil && b.Digest(e.seq) == d {
			return b
		}
	}
	if nb := c.nullBlock(v); nb.Digest(e.seq) == d {
		return nb
	}
	return nil
}

// want asks peers for the body of block d at seq, one at a time (see Tick).
func (c *Core) want(seq uint64, d Hash, holders []uint64) {
	if w, ok := c.wants[seq]; ok && w.digest == d {
		return
	}
	var peers []uint64
	for _, p := range holders {
		if p != c.id && c.m.Has(p) {
			peers = append(peers, p)
		}
	}
	for _, mb := range c.m.Members {
		if mb.ID != c.id && !slices.Contains(peers, mb.ID) {
			peers = append(peers, mb.ID)
		}
	}
	w := &blockWant{digest: d, peers: peers}
	c.wants[seq] = w
	c.askBlock(seq, w)
}

func (c *Core) askBlock(seq uint64, w *blockWant) {
	if len(w.peers) == 0 {
		return
	}
	p := w.peers[w.next%len(w.peers)]
	w.next++
	w.asked = c.ticks
	c.send(Message{Type: MsgFetchBlock, From: c.id, Epoch: c.m.Epoch, Seq: seq, Digest: w.digest}, p)
}

// maxAnswers bounds the block bodies sent to one peer per tick: a member
// asking for bodies over and over cannot make this replica send more.
const maxAnswers = 2

// onFetchBlock answers a peer that misses a block body this replica holds.
func (c *Core) onFetchBlock(m *Message) {
	e, ok := c.log[m.Seq]
	if !ok {
		return
	}
	if c.answered == nil {
		c.answered = make(map[uint64]int)
	}
	for _, b := range []*Block{e.known, e.prepBlk} {
		if b != nil && b.Digest(m.Seq) == m.Digest {
			if c.answered[m.From] >= maxAnswers {
				return
			}
			c.answered[m.From]++
			c.send(Message{Type: MsgBlock, From: c.id, Epoch: c.m.Epoch, Seq: m.Seq, Digest: m.Digest, Block: b}, m.From)
			return
		}
	}
}

// onBlock takes a block body this replica asked for, checked against the
// digest it asked for.
func (c *Core) onBlock(m *Message) error {
	w, ok := c.wants[m.Seq]
	if !ok || w.digest != m.Digest {
		return nil
	}
	if m.Block.Digest(m.Seq) != m.Digest {
		return fmt.Errorf("%w: block %d from %d does not match the digest %s", ErrBadMessage, m.Seq, m.From, m.Digest.Short())
	}
	delete(c.wants, m.Seq)
	e, ok := c.log[m.Seq]
	if !ok {
		return nil
	}
	b := m.Block
	e.known = b
	if e.prepared != nil && e.prepared.PrePrepare.Digest == m.Digest && e.prepBlk == nil {
		e.prepBlk = b
		c.dirty[m.Seq] = true
	}
	if e.pp != nil && e.digest == m.Digest && e.pp.Block == nil {
		cp := *e.pp
		cp.Block = b
		e.pp = &cp
		c.dirty[m.Seq] = true
		c.noteBlock(m.Seq, b)
		c.execute()
	}
	return nil
}

func (c *Core) voteRange(m *Message) (stale, later bool) {
	switch {
	case m.View < c.view || m.Seq <= c.low():
		return true, false
	case m.View > c.view || c.inVC || m.Seq > c.high():
		return false, true
	}
	return false, false
}

// record keeps one vote per sender and sequence number, the one of the
// highest view; a second, different vote in the same view is evidence of
// a faulty sender and is ignored.
func (c *Core) record(votes map[uint64]*Message, m *Message) bool {
	old, ok := votes[m.From]
	if ok && old.View == m.View {
		if old.Digest != m.Digest {
			c.event("equivocation", m.View, m.Seq, m.From, fmt.Sprintf("two %ss for one sequence number", m.Type))
		}
		return false
	}
	if ok && old.View > m.View {
		return false
	}
	cp := *m
	cp.To = 0
	votes[m.From] = &cp
	return true
}

func (c *Core) onPrepare(m *Message) {
	stale, later := c.voteRange(m)
	if stale {
		return
	}
	if later {
		c.stashMsg(m)
		return
	}
	e := c.entry(m.Seq)
	if c.record(e.prepares, m) {
		c.checkPrepared(e)
	}
}

func (c *Core) onCommit(m *Message) {
	stale, later := c.voteRange(m)
	if stale {
		return
	}
	if later {
		c.stashMsg(m)
		return
	}
	e := c.entry(m.Seq)
	if c.record(e.commits, m) {
		c.checkCommitted(e)
	}
}

func (c *Core) matching(votes map[uint64]*Message, e *entry) []*Message {
	var out []*Message
	for _, v := range votes {
		if v.View == e.view && v.Digest == e.digest && v.Epoch == e.epoch && c.m.Has(v.From) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b *Message) int { return cmp.Compare(a.From, b.From) })
	return out
}

// checkPrepared sends COMMIT once the entry is prepared: its pre-prepare and
// quorum-1 matching PREPAREs from backups.
func (c *Core) checkPrepared(e *entry) {
	if e.pp == nil || e.view != c.view || c.inVC {
		return
	}
	if e.myCommit != nil && e.myCommit.View == c.view && e.myCommit.Digest == e.digest && e.myCommit.Epoch == e.epoch {
		return
	}
	prim := c.m.Primary(e.view)
	var preps []Message
	for _, p := range c.matching(e.prepares, e) {
		if p.From != prim {
			preps = append(preps, *p)
		}
	}
	need := c.m.Quorum() - 1
	if len(preps) < need {
		return
	}
	proof := *e.pp
	proof.Block = nil // a view change carries the digest; the body is fetched
	if e.prepBlk == nil || e.prepared == nil || e.prepared.PrePrepare.Digest != e.digest {
		e.prepBlk = e.pp.Block
	}
	e.prepared = &PreparedProof{PrePrepare: proof, Prepares: preps[:need]}
	com := Message{Type: MsgCommit, View: e.view, Seq: e.seq, Digest: e.digest}
	c.sign(&com)
	e.myCommit = &com
	e.commits[c.id] = &com
	c.dirty[e.seq] = true
	c.send(com, 0)
	c.checkCommitted(e)
}

// checkCommitted marks the entry committed once a quorum of matching
// COMMITs is in: those signatures are the block's certificate. A quorum of
// commits proves the block committed whether or not this replica saw the
// prepares itself.
func (c *Core) checkCommitted(e *entry) {
	if e.pp == nil || e.commitOK || e.view != c.view {
		return
	}
	coms := c.matching(e.commits, e)
	q := c.m.Quorum()
	if len(coms) < q {
		return
	}
	e.commitOK = true
	cert := Certificate{Epoch: e.epoch, View: e.view, Seq: e.seq, Digest: e.digest, Sigs: make([]CommitSig, q)}
	for i, m := range coms[:q] {
		cert.Sigs[i] = CommitSig{Replica: m.From, Sig: m.Sig}
	}
	e.cert = cert
	c.execute()
}

// execute delivers committed blocks in sequence order, each once its body
// is here and its certificate is of the epoch in force at its height.
func (c *Core) execute() {
	for {
		e, ok := c.log[c.executed+1]
		if !ok || !e.commitOK || e.pp.Block == nil {
			c.retryConfig()
			return
		}
		if e.epoch != c.m.Epoch {
			// Cannot happen: votes of an earlier epoch above a
			// reconfiguration are dropped when it executes.
			panic(fmt.Sprintf("pbft: block %d committed in epoch %d, epoch %d is in force", e.seq, e.epoch, c.m.Epoch))
		}
		c.deliver(e.seq, e.digest, e.pp.Block, e.cert)
	}
}

// chainDigest is the state digest after a block: every correct replica that
// executed the same blocks has the same one.
func chainDigest(prev Hash, seq uint64, d Hash) Hash {
	var buf [32 + 8 + 32]byte
	copy(buf[:32], prev[:])
	binary.BigEndian.PutUint64(buf[32:], seq)
	copy(buf[40:], d[:])
	return sha256.Sum256(buf[:])
}

func (c *Core) deliver(seq uint64, d Hash, b *Block, cert Certificate) {
	c.executed = seq
	c.stateDig = chainDigest(c.stateDig, seq, d)
	c.execTime = max(c.execTime, b.Time)
	delete(c.wants, seq)
	// Settled: nothing this replica said about seq changed since the last
	// Ready, so its own COMMIT, if it sent one, is on disk already (and a
	// block installed by state transfer has no entry here at all).
	cm := Committed{Seq: seq, Digest: d, Block: b, Cert: cert, StateDigest: c.stateDig, Settled: !c.dirty[seq]}
	for _, tx := range b.Txs {
		h := reqHash(tx)
		c.dropPending(h)
		delete(c.proposed, h)
	}
	if len(b.Txs) > 0 && cert.View == c.view {
		c.timeoutShift = 0
	}
	if len(b.Txs) > 0 {
		c.blocks++
	}
	switch {
	case len(c.pending) == 0:
		c.waitSince = -1
	case c.waitSince < 0 || !c.starved():
		c.waitSince = c.ticks
	}
	if len(c.queue) > 2*len(c.pending)+1024 {
		c.requeue()
	}
	reconfigured := false
	if b.Config != nil && b.Config.Epoch > c.m.Epoch {
		c.reconfigure(seq, b.Config)
		cm.Membership = c.m.Clone()
		reconfigured = true
	} else if c.barrier == seq {
		c.barrier = 0
	}
	c.committed = append(c.committed, cm)
	if (seq%c.cfg.CheckpointInterval == 0 || reconfigured) && c.m.Has(c.id) {
		cp := Message{Type: MsgCheckpoint, Seq: seq, Digest: c.stateDig}
		c.sign(&cp)
		c.lastCP = &cp
		c.send(cp, 0)
		c.onCheckpoint(&cp)
	}
	if reconfigured {
		// A new epoch opens with a view change: the primary of the current
		// view may be another member under the new membership, and new or
		// lagging members learn the view from its NEW-VIEW, which the new
		// primary holds (and resends) in this epoch.
		c.startViewChange(c.view + 1)
		c.replayStash()
	}
}

// retryConfig takes up a reconfiguration pre-prepare that waited for the
// blocks before it, once they have executed.
func (c *Core) retryConfig() {
	pp := c.configPP
	if pp == nil || pp.Seq > c.executed+1 {
		return
	}
	c.configPP = nil
	if pp.Seq == c.executed+1 && pp.View == c.view && pp.Epoch == c.m.Epoch {
		_ = c.onPrePrepare(pp)
	}
}

// reconfigure puts membership m in force from seq+1 on. What this replica
// logged above seq was voted in the old epoch: none of it can ever be
// delivered (a block above seq is delivered only with a certificate of
// the new epoch), so it is dropped, and the primary numbers afresh from
// seq+1.
func (c *Core) reconfigure(seq uint64, m *Membership) {
	c.pushHistory(c.m, seq)
	c.m = m.Clone()
	c.barrier = 0
	for s, e := range c.log {
		if s > seq && e.epoch != c.m.Epoch {
			c.log[s] = &entry{seq: s, prepares: make(map[uint64]*Message), commits: make(map[uint64]*Message)}
			c.dirty[s] = true
		}
	}
	for s := range c.wants {
		if s > seq {
			delete(c.wants, s)
		}
	}
	// View changes and new views of the old epoch are votes of the old
	// membership too.
	clear(c.viewChanges)
	clear(c.vcFrom)
	c.lastNV = nil
	clear(c.futureCP)
	clear(c.proposed)
	c.nextSeq = seq
	c.requeue()
	c.event("reconfigured", c.view, seq, 0, fmt.Sprintf("epoch %d, %d members, f=%d", c.m.Epoch, c.m.N(), c.m.F()))
}

func (c *Core) onCheckpoint(m *Message) {
	if m.Seq <= c.stableSeq {
		return
	}
	byFrom, ok := c.checkpoints[m.Seq]
	if !ok {
		// Bound what a peer can make us keep: at most 2L/K+2 open sequence numbers.
		if len(c.checkpoints) > int(2*c.cfg.WindowSize/c.cfg.CheckpointInterval)+2 {
			c.dropFarthestCheckpoint()
		}
		byFrom = make(map[uint64]*Message)
		c.checkpoints[m.Seq] = byFrom
	}
	if _, dup := byFrom[m.From]; dup {
		return
	}
	cp := *m
	cp.To = 0
	byFrom[m.From] = &cp
	var match []Message
	for _, v := range byFrom {
		if v.Digest == m.Digest {
			match = append(match, *v)
		}
	}
	if len(match) < c.m.Quorum() {
		return
	}
	slices.SortFunc(match, func(a, b Message) int { return cmp.Compare(a.From, b.From) })
	c.stabilize(m.Seq, m.Digest, match[:c.m.Quorum()])
}

func (c *Core) dropFarthestCheckpoint() {
	var far uint64
	for s := range c.checkpoints {
		far = max(far, s)
	}
	delete(c.checkpoints, far)
}

// stabilize makes a checkpoint stable: the low watermark moves up and the
// log below it is discarded. If the replica has not executed that far, it
// asks the application to fetch the missing blocks.
func (c *Core) stabilize(seq uint64, d Hash, proof []Message) {
	if seq <= c.stableSeq {
		return
	}
	c.stableSeq, c.stableDig, c.stableMsg = seq, d, proof
	c.hsDirty = true
	for s := range c.log {
		if s <= seq {
			delete(c.log, s)
			delete(c.dirty, s)
		}
	}
	for s := range c.checkpoints {
		if s <= seq {
			delete(c.checkpoints, s)
		}
	}
	c.pruneBelow = seq
	c.event("stable-checkpoint", c.view, seq, 0, d.Short())
	if seq > c.executed {
		peers := make([]uint64, 0, len(proof))
		for _, p := range proof {
			if p.From != c.id {
				peers = append(peers, p.From)
			}
		}
		c.requestFetch(c.executed+1, seq, peers)
	}
	c.replayStash()
}

func (c *Core) requestFetch(from, to uint64, peers []uint64) {
	if len(peers) == 0 {
		for _, mb := range c.m.Members {
			if mb.ID != c.id {
				peers = append(peers, mb.ID)
			}
		}
	}
	if c.fetch == nil || to > c.fetch.To {
		c.fetch = &Fetch{From: from, To: to, Peers: peers}
	}
}

// Install executes a block fetched from peers (state transfer). The block
// must be the next one to execute and carry a valid certificate from the
// membership in force; it is then delivered like any committed block.
func (c *Core) Install(seq uint64, b *Block, cert *Certificate) error {
	if seq <= c.executed {
		return nil
	}
	if seq != c.executed+1 {
		return fmt.Errorf("%w: got %d, next is %d", ErrOutOfOrder, seq, c.executed+1)
	}
	if b == nil {
		return fmt.Errorf("%w: no block", ErrBadMessage)
	}
	d := b.Digest(seq)
	if cert == nil || cert.Seq != seq || cert.Digest != d {
		return fmt.Errorf("%w: certificate is not for block %d (%s)", ErrBadCertificate, seq, d.Short())
	}
	if err := cert.Verify(c.cfg.ChainID, c.m, c.cfg.Verifier); err != nil {
		return err
	}
	if sd := chainDigest(c.stateDig, seq, d); seq == c.stableSeq && sd != c.stableDig {
		return fmt.Errorf("pbft: state digest %s after block %d differs from the stable checkpoint %s", sd.Short(), seq, c.stableDig.Short())
	}
	c.deliver(seq, d, b, *cert)
	c.execute()
	return nil
}
