package pbft

import (
	"bytes"
	"errors"
	"testing"
)

// sampleMessages returns one encoded message of every kind, with nesting.
func sampleMessages() [][]byte {
	s := macScheme{macKey(1)}
	b := &Block{View: 0, Proposer: 1, Time: 5, Txs: [][]byte{[]byte("a"), []byte("bc")}}
	pp := Message{Type: MsgPrePrepare, From: 1, Seq: 1, Digest: b.Digest(1), Block: b}
	pp.Sig = s.Sign(pp.signingBytes(simChain))
	prep := Message{Type: MsgPrepare, From: 2, Seq: 1, Digest: pp.Digest, Sig: []byte("sig")}
	cp := Message{Type: MsgCheckpoint, From: 2, Seq: 4, Digest: Hash{1}, Sig: []byte("sig")}
	vc := Message{Type: MsgViewChange, From: 2, View: 1, VC: &ViewChange{StableSeq: 4, Checkpoints: []Message{cp}, Prepared: []PreparedProof{{PrePrepare: pp, Prepares: []Message{prep}}}}}
	nv := Message{Type: MsgNewView, From: 2, View: 1, NV: &NewView{ViewChanges: []Message{vc}, PrePrepares: []Message{pp}}}
	req := Message{Type: MsgRequest, From: 3, Requests: [][]byte{[]byte("tx")}}
	cfg := &Block{Config: testMembership(4, macKey)}
	ppc := Message{Type: MsgPrePrepare, From: 1, Seq: 2, Digest: cfg.Digest(2), Block: cfg}
	var out [][]byte
	for _, m := range []Message{pp, prep, cp, vc, nv, req, ppc} {
		out = append(out, m.Encode())
	}
	return out
}

func TestCodecRoundTrip(t *testing.T) {
	for _, enc := range sampleMessages() {
		m, err := Decode(enc, 0)
		if err != nil {
			t.Fatal(err)
		}
		if again := m.Encode(); !bytes.Equal(again, enc) {
			t.Fatalf("re-encoding differs for %s", m.Type)
		}
		for cut := 0; cut < len(enc); cut++ {
			if _, err := Decode(enc[:cut], 0); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("%s truncated to %d bytes: got %v", m.Type, cut, err)
			}
		}
	}
	if _, err := Decode(make([]byte, 100), 10); !errors.Is(err, ErrBadMessage) {
		t.Fatal("oversized input accepted")
	}
	// A claimed length of 2^60 must be refused without allocating it.
	huge := []byte{wireVersion, byte(MsgRequest), 1, 0, 0}
	huge = append(huge, make([]byte, 32)...)
	huge = append(huge, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f)
	if _, err := Decode(huge, 0); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("huge count: got %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, enc := range sampleMessages() {
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, 1<<20)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error is not ErrBadMessage: %v", err)
			}
			return
		}
		// Whatever decodes must re-encode to the same bytes (canonical form).
		if again := m.Encode(); !bytes.Equal(again, b) {
			t.Fatalf("decode/encode not canonical")
		}
		// And a replica must survive it.
		s := newSim(t, 1, 4, simConfig())
		_ = s.nodes[2].core.Step(*m)
	})
}

func FuzzDecodeBlock(f *testing.F) {
	f.Add(EncodeBlock(&Block{View: 1, Proposer: 2, Time: 3, Txs: [][]byte{[]byte("x")}}))
	f.Add(EncodeBlock(&Block{Config: testMembership(4, macKey)}))
	f.Fuzz(func(t *testing.T, b []byte) {
		blk, err := DecodeBlock(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeBlock(blk), b) {
			t.Fatal("block encoding not canonical")
		}
	})
}

func FuzzDecodeCertificate(f *testing.F) {
	f.Add(EncodeCertificate(&Certificate{View: 1, Seq: 2, Sigs: []CommitSig{{Replica: 1, Sig: []byte("s")}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCertificate(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeCertificate(c), b) {
			t.Fatal("certificate encoding not canonical")
		}
		_ = c.Verify(simChain, testMembership(4, macKey), macScheme{})
	})
}

func FuzzDecodeMembership(f *testing.F) {
	f.Add(EncodeMembership(testMembership(4, macKey)))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMembership(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeMembership(m), b) {
			t.Fatal("membership encoding not canonical")
		}
	})
}
