package pbft

import (
	"fmt"
	"testing"
)

// Minimal deterministic reproductions of what the adversary of
// adversary_test.go found, one per case of the adversarial review. Each
// fails on the core as it was when they were written.

// submitTo gives one request to one replica.
func (a *advNet) submitTo(nd *simNode, req string) {
	a.s.reqs++
	if err := nd.core.Propose([]byte(req)); err != nil {
		a.s.t.Fatal(err)
	}
	a.handle(nd)
}

// inject puts a message the adversary made for one recipient in flight.
func (a *advNet) inject(src *simNode, m Message, to uint64) {
	a.net = append(a.net, advFlight{flight: flight{m: wire(a.s.t, m), to: to, at: a.s.now}, src: src, forged: true})
}

// TestAdversaryForkAcrossReconfiguration reproduces case 1: a Byzantine
// primary pre-prepares s+1 (and commits it) at two replicas before the
// reconfiguration block s; they commit it under the old membership. After
// s commits (4 → 6 members) its honest core proposes another block at s+1,
// which the others commit under the new one.
func TestAdversaryForkAcrossReconfiguration(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	a := newAdvNet(s)
	a.makeMutant(1, 1, 0, mutDigest) // rate 0: its core speaks unaltered; the test forges
	byz := s.nodes[1]
	a.reconfigure(withMember(withMember(s.genesis, 5), 6)) // pre-prepare of s=1 in flight
	b := &Block{View: 0, Proposer: 1, Txs: [][]byte{[]byte("forked-A")}}
	pp := forge(MsgPrePrepare, 0, 2, b.Digest(2))
	pp.Block = b
	byz.sign(&pp)
	com := forge(MsgCommit, 0, 2, pp.Digest)
	byz.sign(&com)
	for _, to := range []uint64{2, 3} {
		a.deliver(advFlight{flight: flight{m: wire(t, pp), to: to}, src: byz, forged: true})
		a.inject(byz, com, to)
	}
	// The new members 5 and 6 hear the checkpoints of s=1 late.
	a.hold = func(f *advFlight) bool { return f.m.Type == MsgCheckpoint && f.to >= 5 }
	a.deliverAll()
	// 2 and 3 executed s=1 and then A at 2; they stop (a rolling restart)
	// and 5 and 6 catch up on s=1 from replica 4.
	a.stop(s.nodes[2])
	a.stop(s.nodes[3])
	a.hold = nil
	a.deliverAll()
	for _, id := range []uint64{5, 6} {
		if n := len(s.nodes[id].ledger); n != 1 {
			t.Fatalf("setup: new member %d has %d blocks, want 1", id, n)
		}
	}
	a.submitTo(byz, "req-B") // its honest core proposes s+1 = 2 to everyone
	a.deliverAll()
	a.restart(s.nodes[2])
	a.restart(s.nodes[3])
	a.deliverAll()
	x, y := s.nodes[2].ledger, s.nodes[4].ledger
	if len(x) >= 2 && len(y) >= 2 && x[1].Digest != y[1].Digest {
		t.Errorf("agreement violated at height 2: replica 2 has %s (cert by %d of the old membership), replica 4 has %s (cert by %d of the new)",
			x[1].Digest.Short(), len(x[1].Cert.Sigs), y[1].Digest.Short(), len(y[1].Cert.Sigs))
	}
	s.checkSafety()
}

// TestAdversaryAmnesiacPrimaryCleanRestart reproduces case 2: the primary
// sends an early pre-prepare (Ready.Proposals) and crashes before
// persisting it; it restarts muted; the chain is idle; it stops gracefully
// (a clean stop is recorded) and restarts with Restore.Clean, unmuted, and
// assigns the lost sequence number to another block in the same view.
// noteVote fails the run when the honest primary contradicts itself.
func TestAdversaryAmnesiacPrimaryCleanRestart(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	a := newAdvNet(s)
	p := s.nodes[1]
	crashed := false
	s.midCrash = 1
	s.crashAllowed = func(nd *simNode) bool {
		ok := nd == p && !crashed
		crashed = crashed || ok
		return ok
	}
	a.submitTo(p, "req-A")
	if !p.down {
		t.Fatal("setup: the primary did not crash after its early pre-prepare")
	}
	// The pre-prepare of A reached replica 2 only.
	a.hold = func(f *advFlight) bool { return f.to != 2 }
	a.deliverAll()
	a.net, a.hold = nil, nil
	a.restart(p) // after a crash: muted in view 0
	for range 5 {
		a.step()
	}
	a.stop(p) // graceful: the next start is clean
	a.restart(p)
	a.submitTo(p, "req-B")
	a.deliverAll()
	s.checkSafety()
}

// poisonedRun makes replica 4 attach an empty VC to every message of type
// typ it sends, cuts replica 3 off so 4's votes are needed in every quorum,
// and commits blocks blocks.
func poisonedRun(t *testing.T, typ MsgType, blocks int) (*sim, *advNet) {
	s := newSim(t, 1, 4, simConfig())
	a := newAdvNet(s)
	mu := a.makeMutant(4, 1, 1, mutForeignVC)
	mu.types = []MsgType{typ}
	s.partition([]uint64{3})
	for i := range blocks {
		a.submitTo(s.nodes[1], fmt.Sprintf("req-%d", i))
		a.deliverAll()
	}
	return s, a
}

// TestAdversaryPoisonedCommitVC reproduces case 3 on COMMITs: verify does
// not reject a VC on a COMMIT, whose signature covers it, so member 4's
// signature enters certificates that then fail Certificate.Verify.
func TestAdversaryPoisonedCommitVC(t *testing.T) {
	s, _ := poisonedRun(t, MsgCommit, 1)
	s.checkSafety()
}

// TestAdversaryPoisonedVotesInViewChange reproduces case 3 on PREPAREs,
// CHECKPOINTs and pre-prepares: an honest replica keeps member 4's poisoned
// message in a prepared proof or its stable proof; nested in its
// VIEW-CHANGE the wire drops the foreign field and the signature fails, so
// the correct VIEW-CHANGE is refused.
func TestAdversaryPoisonedVotesInViewChange(t *testing.T) {
	for _, tc := range []struct {
		typ    MsgType
		blocks int
		byz    uint64
	}{{MsgPrepare, 1, 4}, {MsgCheckpoint, 4, 4}} {
		t.Run(tc.typ.String(), func(t *testing.T) {
			s, a := poisonedRun(t, tc.typ, tc.blocks)
			clear(s.cut)
			for _, nd := range a.liveInstances() {
				nd.core.RequestPrimary(2, nd.core.view)
				a.handle(nd)
			}
			a.deliverAll()
			s.checkSafety()
		})
	}
}

// TestAdversaryViewChangeAfterRemoval reproduces case 4: after a removal
// (5 → 4 members) the checkpoint at the reconfiguration sequence is stable
// with a quorum of the new membership, but VIEW-CHANGEs carrying it are
// verified against the previous one and refused: the view change never
// completes.
func TestAdversaryViewChangeAfterRemoval(t *testing.T) {
	s := newSim(t, 1, 5, simConfig())
	a := newAdvNet(s)
	a.reconfigure(without(s.genesis, 5))
	a.deliverAll()
	for _, nd := range a.liveInstances() {
		nd.core.RequestPrimary(2, nd.core.view)
		a.handle(nd)
	}
	a.deliverAll()
	a.checkRun("after the removal", 3000)
}

// TestAdversaryViewChangeAfterAddition is a sibling of case 4 the
// adversary found: a replica whose checkpoint at a reconfiguration did not
// become stable (its checkpoints were lost) carries prepared proofs of the
// old membership (4 members: 2 prepares) in its VIEW-CHANGE; the others
// check them against the new one (5 members: 3 prepares) and refuse it.
func TestAdversaryViewChangeAfterAddition(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	a := newAdvNet(s)
	a.hold = func(f *advFlight) bool { return f.m.Type == MsgCheckpoint }
	a.submitTo(s.nodes[1], "req-1")
	a.deliverAll()
	a.reconfigure(withMember(s.genesis, 5))
	a.deliverAll()
	a.net = nil // the checkpoints are lost
	for _, nd := range a.liveInstances() {
		nd.core.RequestPrimary(2, nd.core.view)
		a.handle(nd)
	}
	a.deliverAll()
	a.checkRun("after the addition", 3000)
}
