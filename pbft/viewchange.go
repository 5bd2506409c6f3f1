package pbft

import (
	"fmt"
	"slices"
)

// startViewChange moves the replica to view v and sends VIEW-CHANGE with its
// stable checkpoint and prepared proofs (the P set).
func (c *Core) startViewChange(v uint64) {
	if v < c.view || (v == c.view && c.inVC) || !c.m.Has(c.id) {
		return
	}
	c.view, c.inVC = v, true
	c.hsDirty = true
	c.vcDeadline = -1
	c.vcResend = c.ticks + c.timeout()
	c.waitSince = -1
	vc := &ViewChange{StableSeq: c.stableSeq, StableDigest: c.stableDig, Checkpoints: c.stableMsg}
	// Proofs of this epoch only: every member of the epoch executed the
	// blocks up to its start, so nothing below needs deciding again.
	seqs := make([]uint64, 0, len(c.log))
	for s, e := range c.log {
		if s > c.stableSeq && s > c.epochStart() && e.prepared != nil && e.prepared.PrePrepare.Epoch == c.m.Epoch {
			seqs = append(seqs, s)
		}
	}
	slices.Sort(seqs)
	for _, s := range seqs {
		vc.Prepared = append(vc.Prepared, *c.log[s].prepared)
	}
	m := Message{Type: MsgViewChange, View: v, VC: vc}
	c.sign(&m)
	c.send(m, 0)
	c.event("view-change", v, c.stableSeq, c.m.Primary(v), fmt.Sprintf("timeout %d ticks", c.timeout()))
	c.storeViewChange(&m)
	c.checkViewChange(v)
}

// storeViewChange keeps the latest VIEW-CHANGE of each sender only, so a
// replica flooding view changes costs one slot.
func (c *Core) storeViewChange(m *Message) {
	if c.vcFrom == nil {
		c.vcFrom = make(map[uint64]uint64)
	}
	if old, ok := c.vcFrom[m.From]; ok {
		if old > m.View {
			return
		}
		if byFrom := c.viewChanges[old]; byFrom != nil {
			delete(byFrom, m.From)
			if len(byFrom) == 0 {
				delete(c.viewChanges, old)
			}
		}
	}
	c.vcFrom[m.From] = m.View
	byFrom := c.viewChanges[m.View]
	if byFrom == nil {
		byFrom = make(map[uint64]*Message)
		c.viewChanges[m.View] = byFrom
	}
	cp := *m
	cp.To = 0
	byFrom[m.From] = &cp
}

func (c *Core) onViewChange(m *Message) {
	if m.View < c.view || (m.View == c.view && !c.inVC) {
		// The sender is behind: if we lead the view it should be in, tell it.
		if c.lastNV != nil && c.lastNV.View == c.view && c.m.Primary(c.view) == c.id {
			c.send(*c.lastNV, m.From)
		}
		return
	}
	c.storeViewChange(m)
	c.checkViewChange(m.View)
}

// checkViewChange starts the new-view timer once a quorum asked for view v
// and, at the new primary, sends NEW-VIEW.
func (c *Core) checkViewChange(v uint64) {
	if v != c.view || !c.inVC {
		return
	}
	byFrom := c.viewChanges[v]
	if len(byFrom) < c.m.Quorum() {
		return
	}
	if c.vcDeadline < 0 {
		c.vcDeadline = c.ticks + c.timeout()
	}
	if c.m.Primary(v) != c.id || (c.lastNV != nil && c.lastNV.View == v) {
		return
	}
	if _, mine := byFrom[c.id]; !mine {
		return
	}
	ids := make([]uint64, 0, len(byFrom))
	for id := range byFrom {
		if id != c.id {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	vcs := []Message{*byFrom[c.id]}
	for _, id := range ids[:c.m.Quorum()-1] {
		vcs = append(vcs, *byFrom[id])
	}
	o := c.computeO(v, vcs)
	for i := range o.pps {
		c.sign(&o.pps[i])
	}
	nv := Message{Type: MsgNewView, View: v, NV: &NewView{ViewChanges: vcs, PrePrepares: o.pps}}
	c.sign(&nv)
	c.lastNV = &nv
	c.send(nv, 0)
	c.enterView(v, o)
}

// newViewPlan is the outcome of the paper's O computation.
type newViewPlan struct {
	minS    uint64
	stable  Hash
	proof   []Message
	pps     []Message           // digests only; unsigned when computed, signed once sent
	holders map[uint64][]uint64 // seq → view-change senders whose proof names the chosen block
	maxSeen uint64
}

// computeO picks, for every sequence number between the highest stable
// checkpoint and the highest prepared sequence in the view changes, the
// block prepared in the highest view, or a null block when none was.
func (c *Core) computeO(v uint64, vcs []Message) newViewPlan {
	var p newViewPlan
	for i := range vcs {
		vc := vcs[i].VC
		if vc.StableSeq > p.minS || (p.proof == nil && vc.StableSeq == p.minS) {
			p.minS, p.stable, p.proof = vc.StableSeq, vc.StableDigest, vc.Checkpoints
		}
	}
	// Every member of this epoch executed the epoch's first block: the
	// sequence numbers to decide start above it.
	from := max(p.minS, c.epochStart())
	best := make(map[uint64]*Message)
	p.maxSeen = from
	for i := range vcs {
		for j := range vcs[i].VC.Prepared {
			pp := &vcs[i].VC.Prepared[j].PrePrepare
			if pp.Seq <= from {
				continue
			}
			if b, ok := best[pp.Seq]; !ok || pp.View > b.View {
				best[pp.Seq] = pp
			}
			p.maxSeen = max(p.maxSeen, pp.Seq)
		}
	}
	p.holders = make(map[uint64][]uint64)
	for i := range vcs {
		for j := range vcs[i].VC.Prepared {
			pp := &vcs[i].VC.Prepared[j].PrePrepare
			if b, ok := best[pp.Seq]; ok && b.Digest == pp.Digest {
				p.holders[pp.Seq] = append(p.holders[pp.Seq], vcs[i].From)
			}
		}
	}
	prim := c.m.Primary(v)
	for s := from + 1; s <= p.maxSeen; s++ {
		d := c.nullBlock(v).Digest(s)
		if b, ok := best[s]; ok {
			d = b.Digest
		}
		p.pps = append(p.pps, Message{Type: MsgPrePrepare, From: prim, Epoch: c.m.Epoch, View: v, Seq: s, Digest: d})
	}
	return p
}

func (c *Core) onNewView(m *Message) error {
	if m.View < c.view || (m.View == c.view && !c.inVC) {
		return nil
	}
	o := c.computeO(m.View, m.NV.ViewChanges)
	if len(o.pps) != len(m.NV.PrePrepares) {
		return fmt.Errorf("%w: new-view for view %d has %d pre-prepares, expected %d", ErrBadMessage, m.View, len(m.NV.PrePrepares), len(o.pps))
	}
	for i := range o.pps {
		got := &m.NV.PrePrepares[i]
		if got.Seq != o.pps[i].Seq || got.Digest != o.pps[i].Digest {
			return fmt.Errorf("%w: new-view for view %d proposes %s at seq %d, expected %s", ErrBadMessage, m.View, got.Digest.Short(), got.Seq, o.pps[i].Digest.Short())
		}
	}
	o.pps = m.NV.PrePrepares
	c.enterView(m.View, o)
	return nil
}

// enterView installs view v from a NEW-VIEW: it adopts the stable checkpoint,
// discards votes of earlier views, accepts the O set and resumes.
func (c *Core) enterView(v uint64, o newViewPlan) {
	c.view, c.inVC = v, false
	c.hsDirty = true
	c.vcDeadline = -1
	c.event("new-view", v, o.maxSeen, c.m.Primary(v), fmt.Sprintf("%d re-proposed", len(o.pps)))
	if o.minS > c.stableSeq {
		c.stabilize(o.minS, o.stable, o.proof)
	}
	for view := range c.viewChanges {
		if view <= v {
			for from := range c.viewChanges[view] {
				delete(c.vcFrom, from)
			}
			delete(c.viewChanges, view)
		}
	}
	for _, e := range c.log {
		if e.view < v {
			if e.pp != nil && e.pp.Block != nil {
				e.known = e.pp.Block
			}
			e.pp, e.commitOK = nil, false
		}
		for id, p := range e.prepares {
			if p.View < v {
				delete(e.prepares, id)
			}
		}
		for id, p := range e.commits {
			if p.View < v {
				delete(e.commits, id)
			}
		}
	}
	c.barrier = 0
	clear(c.proposed)
	c.nextSeq = max(o.maxSeen, c.executed)
	for i := range o.pps {
		pp := &o.pps[i]
		if pp.Seq <= c.stableSeq {
			continue
		}
		c.acceptPrePrepare(c.entry(pp.Seq), pp, o.holders[pp.Seq])
	}
	c.requeue()
	if c.m.Primary(v) != c.id {
		c.forwardPending()
	}
	if len(c.pending) > 0 {
		c.waitSince = c.ticks
	} else {
		c.waitSince = -1
	}
	c.replayStash()
	c.execute()
}

// forwardPending sends the new primary every request this replica still
// waits for, in chunks of at most MaxBatchBytes.
func (c *Core) forwardPending() {
	var chunk [][]byte
	size := 0
	for _, h := range c.queue {
		r, ok := c.pending[h]
		if !ok {
			continue
		}
		if size+len(r.data) > c.cfg.MaxBatchBytes && len(chunk) > 0 {
			c.forward = append(c.forward, chunk...)
			c.flushForward()
			chunk, size = nil, 0
		}
		chunk = append(chunk, r.data)
		size += len(r.data)
	}
	c.forward = append(c.forward, chunk...)
}

// flushForward sends queued requests to the primary; a replica in a view
// change does not know the primary and gives them to every peer instead.
func (c *Core) flushForward() {
	if len(c.forward) == 0 {
		return
	}
	if c.inVC {
		c.send(Message{Type: MsgRequest, From: c.id, View: c.view, Requests: c.forward}, 0)
	} else if p := c.m.Primary(c.view); p != c.id {
		c.send(Message{Type: MsgRequest, From: c.id, View: c.view, Requests: c.forward}, p)
	}
	c.forward = nil
}
