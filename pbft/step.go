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
func (c *Core) Step(m Message) error {
	if m.From == c.id {
		return fmt.Errorf("%w: message claims to come from this replica", ErrBadMessage)
	}
	if !c.m.Has(m.From) {
		return fmt.Errorf("%w: replica %d", ErrNotMember, m.From)
	}
	if m.Type != MsgRequest {
		if err := c.verify(&m, c.m); err != nil {
			return err
		}
		c.notePeerView(m.From, m.View)
	}
	return c.step(m)
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
		if m.Block == nil || m.Block.Digest(m.Seq) != m.Digest {
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
	sb := m.signingBytes()
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
		if pp.Type != MsgPrePrepare || pp.View >= m.View || pp.Seq <= vc.StableSeq || pp.Seq > vc.StableSeq+c.cfg.WindowSize || seen[pp.Seq] {
			return fmt.Errorf("%w: view-change from %d has a bad prepared proof for seq %d", ErrBadMessage, m.From, pp.Seq)
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

func (c *Core) verifyCheckpointProof(seq uint64, d Hash, proof []Message) error {
	ms := c.m
	if c.prevM != nil && seq <= c.configSeq {
		ms = c.prevM
	}
	return c.verifyVotes(proof, MsgCheckpoint, 0, seq, d, ms.Quorum(), ms)
}

// verifyVotes checks that votes holds at least need valid messages of type t
// for (view, seq, d) from distinct members (view is ignored for checkpoints).
func (c *Core) verifyVotes(votes []Message, t MsgType, view, seq uint64, d Hash, need int, ms *Membership) error {
	from := make(map[uint64]bool, len(votes))
	for i := range votes {
		v := &votes[i]
		if v.Type != t || v.Seq != seq || v.Digest != d || (t != MsgCheckpoint && v.View != view) || from[v.From] {
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
		if vc.Type != MsgViewChange || vc.View != m.View || from[vc.From] {
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
		if pp.Type != MsgPrePrepare || pp.View != m.View || pp.From != m.From {
			return fmt.Errorf("%w: new-view carries a foreign pre-prepare", ErrBadMessage)
		}
		if err := c.verify(pp, ms); err != nil {
			return err
		}
	}
	return nil
}

// stashMsg keeps a message that may become useful later, at most
// StashPerPeer per sender, dropping the oldest.
func (c *Core) stashMsg(m *Message) {
	s := c.stash[m.From]
	if len(s) >= c.cfg.StashPerPeer {
		s = s[1:]
	}
	c.stash[m.From] = append(s, *m)
}

func (c *Core) replayStash() {
	if len(c.stash) == 0 {
		return
	}
	old := c.stash
	c.stash = make(map[uint64][]Message)
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
			_ = c.step(m)
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
	if m.Block.View != m.View || m.Block.Proposer != m.From {
		return fmt.Errorf("%w: block view/proposer do not match the pre-prepare", ErrBadMessage)
	}
	e := c.entry(m.Seq)
	if e.pp != nil && e.view == m.View {
		if e.digest != m.Digest {
			c.event("equivocation", m.View, m.Seq, m.From, "two pre-prepares for one sequence number")
			c.startViewChange(c.view + 1)
		}
		return nil
	}
	if b := m.Block; b.Config != nil && b.Config.Epoch <= c.m.Epoch {
		c.event("rejected-block", m.View, m.Seq, m.From, "stale reconfiguration")
		c.startViewChange(c.view + 1)
		return nil
	}
	verdict := Accept
	if c.cfg.Validator != nil {
		verdict = c.cfg.Validator.ValidateBlock(m.Seq, m.Block)
	}
	switch verdict {
	case Reject:
		c.event("rejected-block", m.View, m.Seq, m.From, "the application rejected the block")
		c.startViewChange(c.view + 1)
		return nil
	case Abstain:
		c.event("abstained", m.View, m.Seq, m.From, "the application could not judge the block")
		return nil
	}
	c.acceptPrePrepare(e, m)
	return nil
}

// acceptPrePrepare logs the pre-prepare and, at a backup, sends PREPARE.
func (c *Core) acceptPrePrepare(e *entry, pp *Message) {
	cp := *pp
	cp.To = 0
	e.view, e.digest, e.pp = pp.View, pp.Digest, &cp
	e.commitOK = false
	c.dirty[e.seq] = true
	if pp.Block.Config != nil && e.seq > c.executed {
		c.barrier = e.seq
	}
	for _, tx := range pp.Block.Txs {
		c.proposed[reqHash(tx)] = e.seq
	}
	if c.m.Primary(pp.View) != c.id {
		if e.myPrep == nil || e.myPrep.View != pp.View || e.myPrep.Digest != pp.Digest {
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
		if v.View == e.view && v.Digest == e.digest && c.m.Has(v.From) {
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
	if e.myCommit != nil && e.myCommit.View == c.view && e.myCommit.Digest == e.digest {
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
	e.prepared = &PreparedProof{PrePrepare: *e.pp, Prepares: preps[:need]}
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
	cert := Certificate{View: e.view, Seq: e.seq, Digest: e.digest, Sigs: make([]CommitSig, q)}
	for i, m := range coms[:q] {
		cert.Sigs[i] = CommitSig{Replica: m.From, Sig: m.Sig}
	}
	e.cert = cert
	c.execute()
}

// execute delivers committed blocks in sequence order.
func (c *Core) execute() {
	for {
		e, ok := c.log[c.executed+1]
		if !ok || !e.commitOK {
			return
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
	// Settled: nothing this replica said about seq changed since the last
	// Ready, so its own COMMIT, if it sent one, is on disk already (and a
	// block installed by state transfer has no entry here at all).
	c.committed = append(c.committed, Committed{Seq: seq, Digest: d, Block: b, Cert: cert, StateDigest: c.stateDig, Settled: !c.dirty[seq]})
	for _, tx := range b.Txs {
		h := reqHash(tx)
		delete(c.pending, h)
		delete(c.proposed, h)
	}
	if len(b.Txs) > 0 && cert.View == c.view {
		c.timeoutShift = 0
	}
	if len(c.pending) > 0 {
		c.waitSince = c.ticks
	} else {
		c.waitSince = -1
	}
	if len(c.queue) > 2*len(c.pending)+1024 {
		c.requeue()
	}
	reconfigured := false
	if b.Config != nil && b.Config.Epoch > c.m.Epoch {
		c.prevM, c.configSeq = c.m, seq
		c.m = b.Config.Clone()
		c.barrier = 0
		reconfigured = true
		c.event("reconfigured", c.view, seq, 0, fmt.Sprintf("epoch %d, %d members, f=%d", c.m.Epoch, c.m.N(), c.m.F()))
	} else if c.barrier == seq {
		c.barrier = 0
	}
	if (seq%c.cfg.CheckpointInterval == 0 || reconfigured) && c.m.Has(c.id) {
		cp := Message{Type: MsgCheckpoint, Seq: seq, Digest: c.stateDig}
		c.sign(&cp)
		c.send(cp, 0)
		c.onCheckpoint(&cp)
	}
	if reconfigured {
		c.replayStash()
	}
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
	if err := cert.Verify(c.m, c.cfg.Verifier); err != nil {
		return err
	}
	c.deliver(seq, d, b, *cert)
	if seq == c.stableSeq && c.stateDig != c.stableDig {
		return fmt.Errorf("pbft: state digest %s after block %d differs from the stable checkpoint %s", c.stateDig.Short(), seq, c.stableDig.Short())
	}
	c.execute()
	return nil
}
