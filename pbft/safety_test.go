package pbft

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// Regression tests for attacks by one Byzantine member (or one crash and
// one graceful restart). Each drives real Cores through the simulation's
// network, crafting the attacker's messages with its own keys.

// craft signs m as replica from would (its vote key for votes).
func (s *sim) craft(from uint64, m Message) Message {
	s.nodes[from].sign(&m)
	return m
}

// inject puts m in flight to each of the given replicas.
func (s *sim) inject(m Message, to ...uint64) {
	for _, id := range to {
		enc := m.Encode()
		dec, err := Decode(enc, 0)
		if err != nil {
			s.t.Fatalf("decode crafted %s: %v", m.Type, err)
		}
		s.net = append(s.net, flight{m: *dec, to: id, at: s.now})
	}
}

func only(ids ...uint64) map[uint64]bool {
	o := make(map[uint64]bool)
	for _, id := range ids {
		o[id] = true
	}
	return o
}

// delivered returns the digest node id executed at seq, if it did.
func (s *sim) delivered(id, seq uint64) (Hash, bool) {
	l := s.nodes[id].ledger
	if uint64(len(l)) < seq {
		return Hash{}, false
	}
	return l[seq-1].Digest, true
}

// TestForkAcrossReconfiguration: a Byzantine primary sends the
// pre-prepare of s+1 (block A) to two replicas before that of the
// reconfiguration block s, and its COMMIT for A: they commit A under the
// old membership. Once s executed it sends block B for s+1 in the new
// epoch to everyone. No replica may execute A: its votes were cast in an
// epoch that is not in force at s+1, and its certificate would not verify
// there.
func TestForkAcrossReconfiguration(t *testing.T) {
	grow := func(m *Membership) *Membership {
		n := m.Clone()
		n.Epoch++
		for _, id := range []uint64{5, 6} {
			n.Members = append(n.Members, Member{ID: id, SignKey: macKey(id), NetKey: voteKey(id)})
		}
		return n
	}
	replace := func(m *Membership) *Membership {
		n := m.Clone()
		n.Epoch++
		n.Members[3] = Member{ID: 5, SignKey: macKey(5), NetKey: voteKey(5)}
		return n
	}
	for name, next := range map[string]func(*Membership) *Membership{"4to6": grow, "replace4by5": replace} {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, 1, 4, simConfig())
			m2 := next(s.genesis)
			for _, mb := range m2.Members {
				if s.nodes[mb.ID] == nil {
					s.addNode(mb.ID)
				}
			}
			a := &Block{View: 0, Proposer: 1, Txs: [][]byte{[]byte("A")}}
			ppA := s.craft(1, Message{Type: MsgPrePrepare, Epoch: 1, Seq: 2, Digest: a.Digest(2), Block: a})
			s.inject(ppA, 2, 3)
			s.inject(s.craft(1, Message{Type: MsgCommit, Epoch: 1, Seq: 2, Digest: ppA.Digest}), 2, 3)
			s.deliverFIFO(only(2, 3))

			if err := s.nodes[1].core.ProposeConfig(m2, [][]byte{[]byte("config")}); err != nil {
				t.Fatal(err)
			}
			s.handle(s.nodes[1])
			s.deliverFIFO(nil)
			for _, id := range []uint64{1, 2, 3, 4} {
				if d, ok := s.delivered(id, 1); !ok || d == (Hash{}) {
					t.Fatalf("replica %d did not execute the reconfiguration", id)
				}
			}

			b := &Block{View: 0, Proposer: 1, Txs: [][]byte{[]byte("B")}}
			ppB := s.craft(1, Message{Type: MsgPrePrepare, Epoch: 2, Seq: 2, Digest: b.Digest(2), Block: b})
			var others []uint64
			for _, mb := range m2.Members {
				if mb.ID != 1 {
					others = append(others, mb.ID)
				}
			}
			s.inject(ppB, others...)
			s.inject(s.craft(1, Message{Type: MsgCommit, Epoch: 2, Seq: 2, Digest: ppB.Digest}), others...)
			s.deliverFIFO(nil)
			// The network goes on: everything submitted executes, and no
			// replica ever executes A.
			s.submit(3)
			if !s.settle(5000, 0) {
				s.dump()
				t.Fatal("the network did not go on after the reconfiguration")
			}
			for _, id := range s.ids {
				if d, ok := s.delivered(id, 2); ok && d == ppA.Digest {
					t.Fatalf("replica %d executed block A, voted in epoch 1, at height 2 of epoch 2", id)
				}
			}
			if _, ok := s.delivered(2, 2); !ok {
				t.Fatalf("replica 2, which had committed A in the old epoch, executed nothing at height 2")
			}
		})
	}
}

// TestAmnesiacPrimaryStaysMuted: the primary sends a pre-prepare and
// crashes before persisting it; it restarts muted; the chain is idle, so
// no view change comes; an operator stops it gracefully and starts it
// again (a clean start). It must still propose nothing in that view: its
// lost pre-prepare may be prepared by the backups. noteVote fails the run
// if it sends a second pre-prepare for the same view and sequence number.
func TestAmnesiacPrimaryStaysMuted(t *testing.T) {
	s := newSim(t, 3, 4, simConfig())
	s.midCrash = 1
	crashed := false
	s.crashAllowed = func(nd *simNode) bool {
		if nd.id != 1 || crashed {
			return false
		}
		crashed = true
		return true
	}
	if err := s.nodes[1].core.Propose([]byte("req-lost")); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[1])
	if !s.nodes[1].down {
		t.Fatal("the primary did not crash after sending its proposal")
	}
	lost := s.net // the pre-prepare, in flight; hold it back
	s.net = nil
	s.midCrash = 0
	s.restart(1)
	s.handle(s.nodes[1])
	if !s.nodes[1].hs.Muted {
		t.Fatal("a primary restarted after a crash did not persist that it is muted")
	}
	s.stop(1)
	s.restart(1)
	s.handle(s.nodes[1])
	for _, r := range []string{"req-1", "req-2"} {
		s.reqs++
		if err := s.nodes[1].core.Propose([]byte(r)); err != nil {
			t.Fatal(err)
		}
		s.handle(s.nodes[1])
	}
	for _, f := range s.net {
		if f.m.Type == MsgPrePrepare && f.m.View == 0 {
			t.Fatalf("the primary proposed seq %d in view 0 after a clean restart that followed a crash", f.m.Seq)
		}
	}
	// The lost pre-prepare arrives after all; the network must still
	// agree and execute everything.
	s.net = append(s.net, lost...)
	s.resubmitAll([]string{"req-lost", "req-1", "req-2"})
	if !s.settle(5000, 0) || !s.nodes[2].seen["req-lost"] {
		s.dump()
		t.Fatal("not every request executed")
	}
}

// resubmitAll proposes each request at every live replica, as a client
// that retries everywhere.
func (s *sim) resubmitAll(reqs []string) {
	for _, nd := range s.live() {
		for _, r := range reqs {
			_ = nd.core.Propose([]byte(r))
		}
		s.handle(nd)
	}
}

// TestForeignBodiesRefused: every body that does not belong to a message's
// type is refused, at the top level and nested, before it can reach a
// certificate or a proof. Today's poison was an empty VC on a COMMIT,
// which then broke every certificate that carried the signature.
func TestForeignBodiesRefused(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	blk := &Block{View: 0, Proposer: 1, Txs: [][]byte{[]byte("x")}}
	d := blk.Digest(1)
	prep := Message{Type: MsgPrepare, Seq: 1, Digest: d}
	com := Message{Type: MsgCommit, Seq: 1, Digest: d}
	cp := Message{Type: MsgCheckpoint, Seq: 4, Digest: Hash{1}}
	with := func(m Message, f func(*Message)) Message { f(&m); return m }
	cases := map[string]Message{
		"commit+vc":        with(com, func(m *Message) { m.VC = &ViewChange{} }),
		"commit+nv":        with(com, func(m *Message) { m.NV = &NewView{} }),
		"commit+block":     with(com, func(m *Message) { m.Block = blk }),
		"commit+requests":  with(com, func(m *Message) { m.Requests = [][]byte{[]byte("r")} }),
		"prepare+vc":       with(prep, func(m *Message) { m.VC = &ViewChange{} }),
		"prepare+block":    with(prep, func(m *Message) { m.Block = blk }),
		"checkpoint+vc":    with(cp, func(m *Message) { m.VC = &ViewChange{} }),
		"checkpoint+req":   with(cp, func(m *Message) { m.Requests = [][]byte{[]byte("r")} }),
		"viewchange+nv":    {Type: MsgViewChange, View: 1, VC: &ViewChange{}, NV: &NewView{}},
		"viewchange-no-vc": {Type: MsgViewChange, View: 1},
		"nested-cp+vc": {Type: MsgViewChange, View: 1, VC: &ViewChange{StableSeq: 4, StableDigest: Hash{1},
			Checkpoints: []Message{with(cp, func(m *Message) { m.VC = &ViewChange{} })}}},
		"nested-prepare+block": {Type: MsgViewChange, View: 1, VC: &ViewChange{Prepared: []PreparedProof{{
			PrePrepare: Message{Type: MsgPrePrepare, From: 1, Epoch: 1, Seq: 1, Digest: d},
			Prepares:   []Message{with(prep, func(m *Message) { m.From = 3; m.Block = blk })}}}}},
		"nested-pp-with-block": {Type: MsgViewChange, View: 1, VC: &ViewChange{Prepared: []PreparedProof{{
			PrePrepare: Message{Type: MsgPrePrepare, From: 1, Epoch: 1, Seq: 1, Digest: d, Block: blk}}}}},
		"nested-wrong-type": {Type: MsgViewChange, View: 1, VC: &ViewChange{StableSeq: 4, StableDigest: Hash{1},
			Checkpoints: []Message{with(com, func(m *Message) { m.From = 3 })}}},
		"request+sig": {Type: MsgRequest, Requests: [][]byte{[]byte("r")}, Sig: []byte("s")},
	}
	c := s.nodes[2].core
	for name, m := range cases {
		m = s.craft(4, m)
		if err := c.Step(m); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: got %v, want ErrBadMessage", name, err)
		}
	}
	if len(c.log) != 0 || c.inVC || len(c.checkpoints) != 0 {
		t.Fatal("refused messages changed the replica's state")
	}
	// A member that attaches a body to every vote it sends gets none of
	// them counted; the others still commit, and every certificate
	// verifies.
	s2 := newSim(t, 2, 4, simConfig())
	s2.nodes[4].byz = poisoner
	s2.submit(6)
	if !s2.settle(3000, 0) {
		s2.dump()
		t.Fatal("the honest replicas did not commit around a poisoning member")
	}
	for _, id := range []uint64{1, 2, 3} {
		for _, c := range s2.nodes[id].ledger {
			for _, sig := range c.Cert.Sigs {
				if sig.Replica == 4 {
					t.Fatalf("block %d's certificate counts the poisoning member's signature", c.Seq)
				}
			}
		}
	}
}

// TestViewChangeAfterRemoval: after 5 → 4, the checkpoint at the
// reconfiguration block is signed by the new membership; a view change
// right after it (the primary fails) must complete, on running and on
// restarted replicas alike.
func TestViewChangeAfterRemoval(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			s := newSim(t, 4, 5, simConfig())
			m2 := s.genesis.Clone()
			m2.Epoch++
			m2.Members = m2.Members[:4]
			if err := s.nodes[1].core.ProposeConfig(m2, [][]byte{[]byte("config:del=5")}); err != nil {
				t.Fatal(err)
			}
			s.handle(s.nodes[1])
			s.deliverFIFO(nil)
			for _, id := range []uint64{2, 3, 4} {
				if st := s.nodes[id].core.Status(); st.StableSeq != 1 || s.nodes[id].core.Epoch() != 2 {
					t.Fatalf("replica %d: stable %d epoch %d after the removal", id, st.StableSeq, s.nodes[id].core.Epoch())
				}
			}
			s.crash(5)
			if restart {
				s.crash(2)
				s.restart(2)
				s.handle(s.nodes[2])
			}
			s.crash(1) // the primary fails right after the removal
			s.submit(3)
			for i := 0; i < 3000 && !s.allExecutedBy(2, 3, 4); i++ {
				if i%300 == 299 {
					s.resubmit()
				}
				s.step()
			}
			s.checkSafety()
			if !s.allExecutedBy(2, 3, 4) {
				s.dump()
				t.Fatal("the view change after the removal did not complete")
			}
		})
	}
}

// allExecutedBy reports whether the given replicas executed every request.
func (s *sim) allExecutedBy(ids ...uint64) bool {
	for _, id := range ids {
		for i := 1; i <= s.reqs; i++ {
			if !s.nodes[id].seen[fmt.Sprintf("req-%d", i)] {
				return false
			}
		}
	}
	return true
}

// TestNewViewSizeIndependentOfBlocks: view changes and new views carry
// digests, so their size does not grow with the blocks they decide;
// the bodies are fetched from the replicas that prepared them, and the
// prepared blocks execute in the new view.
func TestNewViewSizeIndependentOfBlocks(t *testing.T) {
	cfg := simConfig()
	cfg.MaxBatch = 4
	cfg.MaxBatchBytes = 1 << 20
	s := newSim(t, 5, 4, cfg)
	big := bytes.Repeat([]byte("x"), 200_000)
	var reqs [][]byte
	for range 12 {
		s.reqs++
		reqs = append(reqs, append([]byte(fmt.Sprintf("req-%d", s.reqs)), big...))
	}
	// Every replica hears of the requests (a client sends to all), so the
	// backups' timers run.
	for _, id := range s.ids {
		for _, r := range reqs {
			if err := s.nodes[id].core.Propose(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.handle(s.nodes[1])
	// Prepares flow, commits are lost: blocks prepare but do not commit.
	for len(s.net) > 0 {
		f := s.net[0]
		s.net = s.net[1:]
		// Replica 4 never sees the pre-prepares: it must fetch the bodies.
		if f.m.Type == MsgCommit || f.to == 1 || (f.m.Type == MsgPrePrepare && f.to == 4) {
			continue
		}
		if err := s.nodes[f.to].core.Step(f.m); err != nil {
			t.Fatal(err)
		}
		s.handle(s.nodes[f.to])
	}
	prepared := 0
	for _, e := range s.nodes[2].core.log {
		if e.prepared != nil {
			prepared++
		}
	}
	if prepared == 0 {
		t.Fatal("no block prepared")
	}
	s.crash(1)
	maxVC, maxNV, fetched := 0, 0, 0
	done := func() bool {
		for _, id := range []uint64{2, 3, 4} {
			n := 0
			for _, c := range s.nodes[id].ledger {
				n += len(c.Block.Txs)
			}
			if n < len(reqs) {
				return false
			}
		}
		return true
	}
	for i := 0; i < 4000 && !done(); i++ {
		for _, f := range s.net {
			switch f.m.Type {
			case MsgViewChange:
				maxVC = max(maxVC, len(f.m.Encode()))
			case MsgNewView:
				maxNV = max(maxNV, len(f.m.Encode()))
			case MsgBlock:
				if f.to == 4 {
					fetched++
				}
			}
		}
		s.step()
	}
	s.checkSafety()
	if !done() {
		s.dump()
		t.Fatal("the prepared blocks did not execute after the view change")
	}
	if maxVC == 0 || maxNV == 0 {
		t.Fatal("no view change happened")
	}
	if fetched == 0 {
		t.Fatal("replica 4 executed blocks whose bodies it never received")
	}
	// Blocks here are 800 KB; the messages that decide them stay small.
	if maxVC > 16<<10 || maxNV > 64<<10 {
		t.Fatalf("view-change %d bytes, new-view %d bytes: they grow with the blocks", maxVC, maxNV)
	}
	t.Logf("%d blocks prepared; largest view-change %d bytes, new-view %d bytes; %d bodies fetched by replica 4", prepared, maxVC, maxNV, fetched)
}

// TestMemoryHeldPerPeerIsBounded: a member that sends large pre-prepares
// for later views, and one that forwards huge numbers of requests, make a
// replica hold at most the configured bytes.
func TestMemoryHeldPerPeerIsBounded(t *testing.T) {
	cfg := simConfig()
	cfg.MaxBatchBytes = 1 << 20
	cfg.MaxRequestBytes = 1 << 20
	cfg.MaxPendingBytes = 8 << 20
	s := newSim(t, 1, 4, cfg)
	c := s.nodes[2].core
	tx := bytes.Repeat([]byte("y"), 900_000)
	for v := uint64(4); v < 200; v += 4 { // views whose primary is replica 1
		b := &Block{View: v, Proposer: 1, Txs: [][]byte{append([]byte(fmt.Sprint(v)), tx...)}}
		pp := s.craft(1, Message{Type: MsgPrePrepare, View: v, Seq: 1, Digest: b.Digest(1), Block: b})
		if err := c.Step(pp); err != nil {
			t.Fatal(err)
		}
	}
	if held := c.stashBytes[1]; held > c.cfg.StashBytesPerPeer {
		t.Fatalf("stash holds %d bytes from one peer, bound is %d", held, c.cfg.StashBytesPerPeer)
	}
	for i := range 40 {
		r := Message{Type: MsgRequest, From: 3, Requests: [][]byte{append([]byte(fmt.Sprint(i)), tx...)}}
		if err := c.Step(r); err != nil {
			t.Fatal(err)
		}
	}
	if c.pendingBytes > cfg.MaxPendingBytes {
		t.Fatalf("pending requests hold %d bytes, bound is %d", c.pendingBytes, cfg.MaxPendingBytes)
	}
}

// TestBlockTimeFarFromClockGetsNoVote: a backup does not prepare a block
// whose time is far from its own clock, or older than the last block.
func TestBlockTimeFarFromClockGetsNoVote(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	c := s.nodes[2].core
	c.Tick(1_700_000_000_000)
	s.handle(s.nodes[2])
	for _, tm := range []int64{1_700_000_000_000 + 3_600_000, 1_700_000_000_000 - 3_600_000} {
		b := &Block{View: 0, Proposer: 1, Time: tm, Txs: [][]byte{[]byte("t")}}
		pp := s.craft(1, Message{Type: MsgPrePrepare, Seq: 1, Digest: b.Digest(1), Block: b})
		s.net = nil
		if err := c.Step(pp); err != nil {
			t.Fatal(err)
		}
		s.handle(s.nodes[2])
		for _, f := range s.net {
			if f.m.Type == MsgPrepare {
				t.Fatalf("backup prepared a block stamped %d ms from its clock", tm-1_700_000_000_000)
			}
		}
	}
	b := &Block{View: 0, Proposer: 1, Time: 1_700_000_000_500, Txs: [][]byte{[]byte("t")}}
	pp := s.craft(1, Message{Type: MsgPrePrepare, Seq: 1, Digest: b.Digest(1), Block: b})
	if err := c.Step(pp); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[2])
	if c.log[1].myPrep == nil {
		t.Fatal("backup did not prepare a block stamped within its clock's bound")
	}
}

// TestSignaturesBindChainAndEpoch: a vote signed for another chain, or
// naming another epoch, is not counted, and a certificate verifies only on
// its own chain and epoch.
func TestSignaturesBindChainAndEpoch(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	c := s.nodes[2].core
	other := Message{Type: MsgPrepare, From: 3, Epoch: 1, Seq: 1}
	other.Sig = macScheme{voteKey(3)}.Sign(other.signingBytes("another-chain"))
	if err := c.Step(other); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("vote signed for another chain: got %v", err)
	}
	s.submit(2)
	if !s.settle(2000, 0) {
		t.Fatal("not executed")
	}
	cert := s.nodes[2].ledger[0].Cert
	if err := cert.Verify(simChain, s.genesis, s.verif); err != nil {
		t.Fatalf("certificate on its own chain: %v", err)
	}
	if err := cert.Verify("another-chain", s.genesis, s.verif); !errors.Is(err, ErrBadCertificate) {
		t.Fatalf("certificate on another chain: got %v", err)
	}
	m2 := s.genesis.Clone()
	m2.Epoch = 2
	if err := cert.Verify(simChain, m2, s.verif); !errors.Is(err, ErrBadCertificate) {
		t.Fatalf("certificate against the same members in another epoch: got %v", err)
	}
	relabelled := cert
	relabelled.Epoch = 2
	if err := relabelled.Verify(simChain, m2, s.verif); !errors.Is(err, ErrBadCertificate) {
		t.Fatalf("certificate relabelled to another epoch: got %v", err)
	}
}

// TestRestartedPrimaryDoesNotReproposeInFlight: a primary that restarts
// (cleanly) with a block in flight and is handed that block's request again
// (a client's retry, a peer's relay) must not propose it a second time.
func TestRestartedPrimaryDoesNotReproposeInFlight(t *testing.T) {
	cfg := simConfig()
	cfg.MaxBatch = 1 // one request is a full batch: it would go out at once
	s := newSim(t, 1, 4, cfg)
	if err := s.nodes[1].core.Propose([]byte("req-a")); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[1])
	s.stop(1)
	s.restart(1)
	s.handle(s.nodes[1])
	if err := s.nodes[1].core.Propose([]byte("req-a")); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[1])
	for _, f := range s.net {
		if f.m.Type == MsgPrePrepare && f.m.Seq > 1 {
			t.Fatalf("the restarted primary proposed its in-flight request again at seq %d", f.m.Seq)
		}
	}
	s.deliverFIFO(nil)
	s.checkNoDuplicates()
}

// rejectConfigs is an application's judgement that refuses every
// reconfiguration block.
func rejectConfigs(_ uint64, b *Block) Verdict {
	if b.Config != nil {
		return Reject
	}
	return Accept
}

// TestPrimaryJudgesItsOwnReconfiguration: a reconfiguration the
// application rejects is dropped by the primary, not sent for the backups
// to reject (each rejection costs a view change); the chain goes on.
func TestPrimaryJudgesItsOwnReconfiguration(t *testing.T) {
	cfg := simConfig()
	cfg.ValidateBlocks = true
	s := newSim(t, 1, 4, cfg)
	s.judge = rejectConfigs
	m2 := s.genesis.Clone()
	m2.Epoch++
	m2.Members = m2.Members[:3]
	if err := s.nodes[1].core.ProposeConfig(m2, [][]byte{[]byte("config:del=4")}); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[1])
	for _, f := range s.net {
		if f.m.Type == MsgPrePrepare && f.m.Block.Config != nil {
			t.Fatal("the primary proposed a reconfiguration its own validator rejects")
		}
	}
	s.submit(3)
	if !s.settle(3000, 0) {
		s.dump()
		t.Fatal("not executed")
	}
	for _, nd := range s.nodes {
		if nd.core.view != 0 || nd.core.Epoch() != 1 {
			t.Fatalf("replica %d: view %d epoch %d, want 0 and 1 (no view change, no reconfiguration)", nd.id, nd.core.view, nd.core.Epoch())
		}
	}
}

// TestRejectedReconfigurationStopsThePrimarysTimer: a primary that drops
// its own reconfiguration (its validator rejects it) and has nothing else
// to do must not time out into a view change of its own. The backups never
// held the reconfiguration, so they would not follow, and the primary would
// sit alone in a view change while they wait in the old view for it.
func TestRejectedReconfigurationStopsThePrimarysTimer(t *testing.T) {
	cfg := simConfig()
	cfg.ValidateBlocks = true
	s := newSim(t, 1, 4, cfg)
	s.judge = rejectConfigs
	m2 := s.genesis.Clone()
	m2.Epoch++
	m2.Members = m2.Members[:3]
	if err := s.nodes[1].core.ProposeConfig(m2, [][]byte{[]byte("config:del=4")}); err != nil {
		t.Fatal(err)
	}
	s.handle(s.nodes[1])
	for range 10 * cfg.RequestTimeout {
		s.step()
	}
	for _, nd := range s.nodes {
		if nd.core.view != 0 || nd.core.inVC {
			s.dump()
			t.Fatalf("replica %d: view %d, in view change %v; want view 0 and none", nd.id, nd.core.view, nd.core.inVC)
		}
	}
	s.submit(1)
	if !s.settle(3000, 0) {
		s.dump()
		t.Fatal("not executed")
	}
}
