package pbft

import (
	"bytes"
	"sync"
	"testing"
)

// TestNoVoteBeforeTheVerdict: with ValidateBlocks, a backup asks the
// application about a pre-prepare (Ready.Validate) and sends no PREPARE
// until Validated says Accept; a verdict with another digest is ignored.
func TestNoVoteBeforeTheVerdict(t *testing.T) {
	cfg := simConfig()
	cfg.ValidateBlocks = true
	s := newSim(t, 1, 4, cfg)
	s.step() // a clock for the block's time
	s.submit(1)
	for range 20 {
		s.step()
	}
	prepares := func() int {
		n := 0
		for _, f := range s.net {
			if f.m.Type == MsgPrepare {
				n++
			}
		}
		return n
	}
	asked := map[uint64]bool{}
	for _, h := range s.held {
		asked[h.nd.id] = true
	}
	for _, id := range s.ids[1:] {
		if !asked[id] {
			t.Fatalf("backup %d was not asked to judge the block", id)
		}
	}
	if s.nodes[s.ids[0]].core.Progress().Executed != 0 || prepares() != 0 {
		t.Fatalf("a replica voted before its verdict (%d prepares in flight)", prepares())
	}
	held := s.held
	s.held = nil
	for _, h := range held {
		h.nd.core.Validated(h.v.Seq, Hash{1}, Accept) // not the block asked about
		s.handle(h.nd)
	}
	if prepares() != 0 {
		t.Fatal("a verdict on another digest made a replica vote")
	}
	for _, h := range held {
		h.nd.core.Validated(h.v.Seq, h.v.Digest, Accept)
		s.handle(h.nd)
	}
	s.judge = func(uint64, *Block) Verdict { return Accept }
	if !s.settle(3000, 0) {
		s.dump()
		t.Fatal("not executed after the verdicts")
	}
}

// TestRejectedBlockChangesView: a block every backup rejects costs its
// primary the view; an abstention casts no vote and changes nothing.
func TestRejectedBlockChangesView(t *testing.T) {
	for _, tc := range []struct {
		verdict  Verdict
		wantView bool
	}{{Reject, true}, {Abstain, false}} {
		t.Run(tc.verdict.String(), func(t *testing.T) {
			cfg := simConfig()
			cfg.ValidateBlocks = true
			s := newSim(t, 1, 4, cfg)
			s.judge = func(uint64, *Block) Verdict { return tc.verdict }
			s.step()
			s.submit(1)
			for range 10 {
				s.step()
			}
			for _, nd := range s.nodes {
				if nd.core.Progress().Executed != 0 {
					t.Fatalf("replica %d executed a block every backup judged %v", nd.id, tc.verdict)
				}
				if inVC := nd.core.Progress().InViewChange || nd.core.view > 0; nd.id != s.ids[0] && inVC != tc.wantView {
					t.Fatalf("replica %d: view change %v after %v, want %v", nd.id, inVC, tc.verdict, tc.wantView)
				}
			}
		})
	}
}

// recordingSigner remembers every message it signs.
type recordingSigner struct {
	inner Signer
	mu    sync.Mutex
	msgs  [][]byte
}

func (r *recordingSigner) Sign(msg []byte) []byte {
	r.mu.Lock()
	r.msgs = append(r.msgs, bytes.Clone(msg))
	r.mu.Unlock()
	return r.inner.Sign(msg)
}

// TestPresignIsWhatTheCoreSigns: the bytes a Ready offers to presign are
// the bytes the core's Signer is later asked to sign for its COMMIT; if
// they drifted apart, every presigned signature would be wasted.
func TestPresignIsWhatTheCoreSigns(t *testing.T) {
	cfg := simConfig()
	s := newSim(t, 1, 4, cfg)
	signers := map[uint64]*recordingSigner{}
	s.newSig = func(id uint64) Signer {
		r := &recordingSigner{inner: macScheme{macKey(id)}}
		signers[id] = r
		return r
	}
	for _, id := range s.ids {
		nd := s.nodes[id]
		nd.signer = s.newSig(id)
		s.start(nd)
	}
	s.presigned = map[uint64][][]byte{}
	s.submit(4)
	if !s.settle(3000, 0) {
		t.Fatal("not executed")
	}
	hits := 0
	for id, offered := range s.presigned {
		for _, p := range offered {
			for _, m := range signers[id].msgs {
				if bytes.Equal(p, m) {
					hits++
					break
				}
			}
		}
	}
	if hits == 0 {
		t.Fatalf("no COMMIT the cores signed was among the %d byte strings offered to presign", len(s.presigned))
	}
}

// TestVerdictText: a verdict reads back as itself, and nothing else reads
// as a verdict (a plugin result's JSON carries one).
func TestVerdictText(t *testing.T) {
	for _, v := range []Verdict{Accept, Reject, Abstain} {
		b, err := v.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Verdict
		if err := back.UnmarshalText(b); err != nil || back != v {
			t.Fatalf("%v: %q read back as %v (%v)", v, b, back, err)
		}
	}
	for _, s := range []string{"fault", "", "Accept", "maybe"} {
		var v Verdict
		if err := v.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("%q read as verdict %v", s, v)
		}
	}
	if _, err := Verdict(7).MarshalText(); err == nil {
		t.Error("verdict 7 was written")
	}
}
