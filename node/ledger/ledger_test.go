package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"go.etcd.io/bbolt"
)

// certifier is a one-replica pBFT core: it commits blocks with real
// certificates through pbft's public API.
type certifier struct {
	core *pbft.Core
	m    *pbft.Membership
}

func newCertifier(t testing.TB) *certifier {
	s, pub := pbft.NewMLDSASigner([32]byte{1})
	m := &pbft.Membership{Members: []pbft.Member{{ID: 1, SignKey: pub, NetKey: make([]byte, 32)}}}
	core, err := pbft.New(pbft.Config{ID: 1, ChainID: "c", Membership: m, Signer: s, Verifier: &pbft.MLDSAVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	return &certifier{core: core, m: m}
}

func (c *certifier) commit(t testing.TB, txs [][]byte) pbft.Committed {
	t.Helper()
	for _, tx := range txs {
		if err := c.core.Propose(tx); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		rd := c.core.Ready()
		c.core.Advance()
		if len(rd.Committed) == 1 {
			return rd.Committed[0]
		}
	}
	t.Fatal("the one-replica core committed nothing")
	return pbft.Committed{}
}

func openTest(t testing.TB, path string) *Ledger {
	t.Helper()
	l, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// commitBlock commits txs through the certifier and appends the block.
func commitBlock(t testing.TB, l *Ledger, c *certifier, txs [][]byte) uint64 {
	t.Helper()
	cm := c.commit(t, txs)
	err := l.Update(func(tx *Tx) error {
		res := make([]Result, len(cm.Block.Txs))
		for i, raw := range cm.Block.Txs {
			if err := tx.PutTx(sha256.Sum256(raw), Loc{Height: cm.Seq, Index: uint32(i)}); err != nil {
				return err
			}
		}
		return tx.AppendBlock(&BlockRecord{Height: cm.Seq, Block: cm.Block, Cert: &cm.Cert, StateDigest: cm.StateDigest, Results: res})
	})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Seq
}

func TestCodecRoundTrip(t *testing.T) {
	blk := &pbft.Block{View: 2, Proposer: 1, Txs: [][]byte{[]byte("a")}}
	pp := pbft.Message{Type: pbft.MsgPrePrepare, From: 1, Epoch: 1, View: 2, Seq: 3, Digest: blk.Digest(3), Block: blk, Sig: []byte("sig")}
	bare := pp
	bare.Block = nil // a pre-prepare whose body is being fetched; a proof's pre-prepare
	prep := pbft.Message{Type: pbft.MsgPrepare, From: 2, Epoch: 1, View: 2, Seq: 3, Sig: []byte{1, 2}}
	for _, e := range []*pbft.EntryRecord{
		{Seq: 1},
		{Seq: 3, PrePrepare: &pp, Prepare: &prep, Commit: &prep, Prepared: &pbft.PreparedProof{PrePrepare: bare, Prepares: []pbft.Message{prep, prep}}, PreparedBlock: blk},
		{Seq: 3, PrePrepare: &bare, Prepare: &prep},
	} {
		b := EncodeEntry(e)
		got, err := DecodeEntry(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(EncodeEntry(got), b) {
			t.Fatalf("entry %d does not round-trip", e.Seq)
		}
		if (got.PrePrepare != nil && (got.PrePrepare.Block == nil) != (e.PrePrepare.Block == nil)) || (got.PreparedBlock == nil) != (e.PreparedBlock == nil) ||
			(got.Prepared != nil && got.Prepared.PrePrepare.Block != nil) {
			t.Fatalf("entry %d: blocks did not come back as stored: %+v", e.Seq, got)
		}
	}
	hs := &pbft.HardState{View: 9, InViewChange: true, StableSeq: 16, StableDigest: pbft.Hash{1}, StableProof: []pbft.Message{prep}, Muted: true, MuteView: 8}
	got, err := DecodeHardState(EncodeHardState(hs))
	if err != nil || got.View != 9 || !got.InViewChange || got.StableSeq != 16 || len(got.StableProof) != 1 || !got.Muted || got.MuteView != 8 {
		t.Fatalf("hard state: %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0xff}, {1, 2}, append(EncodeHardState(hs), 0)} {
		if _, err := DecodeHardState(bad); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("DecodeHardState(%x): %v", bad, err)
		}
	}
}

// TestEntryEmptyRecordDeletes checks that an entry record holding nothing,
// which the core emits to forget a sequence number (votes of an old epoch
// above a reconfiguration), deletes the stored record and its blocks
// instead of leaving the old votes to be restored.
func TestEntryEmptyRecordDeletes(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	l.Init(Meta{ChainID: "c"}, newCertifier(t).m, nil)
	blk := &pbft.Block{Proposer: 1, Txs: [][]byte{[]byte("old-epoch")}}
	pp := pbft.Message{Type: pbft.MsgPrePrepare, From: 1, Seq: 5, Digest: blk.Digest(5), Block: blk, Sig: []byte("s")}
	prep := pbft.Message{Type: pbft.MsgPrepare, From: 2, Seq: 5, Digest: pp.Digest, Sig: []byte("p")}
	keep := pbft.EntryRecord{Seq: 6, Prepare: &prep}
	for _, e := range []*pbft.EntryRecord{{Seq: 5, PrePrepare: &pp, Prepare: &prep}, &keep, {Seq: 5}} {
		if err := l.Update(func(tx *Tx) error { return tx.PutEntry(e) }); err != nil {
			t.Fatal(err)
		}
	}
	l.View(func(tx *Tx) error {
		es, err := tx.Entries()
		if err != nil || len(es) != 1 || es[0].Seq != 6 {
			t.Fatalf("entries after forgetting 5: %+v %v", es, err)
		}
		if n := tx.tx.Bucket(bEntryBlks).Stats().KeyN; n != 0 {
			t.Fatalf("%d blocks left of the forgotten entry", n)
		}
		return nil
	})
}

func FuzzDecodeEntry(f *testing.F) {
	prep := pbft.Message{Type: pbft.MsgPrepare, From: 2, View: 2, Seq: 3, Sig: []byte{1, 2}}
	f.Add(EncodeEntry(&pbft.EntryRecord{Seq: 3, Prepare: &prep, Prepared: &pbft.PreparedProof{PrePrepare: prep, Prepares: []pbft.Message{prep}}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEntry(b)
		if err == nil && !bytes.Equal(EncodeEntry(e), b) {
			// pbft.Decode is canonical for its own messages; ours must be too.
			if _, err := DecodeEntry(EncodeEntry(e)); err != nil {
				t.Fatalf("re-encoding does not decode: %v", err)
			}
		}
	})
}

func FuzzDecodeHardState(f *testing.F) {
	f.Add(EncodeHardState(&pbft.HardState{View: 1, StableSeq: 4}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if hs, err := DecodeHardState(b); err == nil {
			if _, err := DecodeHardState(EncodeHardState(hs)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzDecodeBlockRecord(f *testing.F) {
	br := &BlockRecord{Height: 1, Block: &pbft.Block{Txs: [][]byte{[]byte("t")}}, Cert: &pbft.Certificate{Seq: 1}, Results: []Result{{Code: Rejected, Reason: "r"}}}
	f.Add(encodeBlockRecord(br))
	f.Fuzz(func(t *testing.T, b []byte) {
		if br, err := DecodeBlockRecord(b); err == nil {
			if _, err := DecodeBlockRecord(encodeBlockRecord(br)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestOpenRefusesDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	c := newCertifier(t)
	m := c.m
	good := filepath.Join(dir, "good.db")
	l, err := Open(good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Init(Meta{ChainID: "c"}, m, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	for k := range 20 {
		commitBlock(t, l, c, [][]byte{append(bytes.Repeat([]byte("x"), 3000), byte(k))})
	}
	if err := l.VerifyLast(&pbft.MLDSAVerifier{}); err != nil {
		t.Fatalf("VerifyLast on a good file: %v", err)
	}
	l.Close()
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := bytes.Repeat([]byte{0xA5}, 8192)
	for _, tc := range []struct {
		name string
		path string
	}{
		{"truncated to half", write("half.db", data[:len(data)/2])},
		{"truncated to 100 bytes", write("tiny.db", data[:100])},
		{"not a database", write("garbage.db", garbage)},
		{"zeroed meta pages", write("zeroed.db", append(make([]byte, 8192), data[8192:]...))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Open(tc.path, Options{FullCheck: true})
			if err == nil {
				err = l.VerifyLast(&pbft.MLDSAVerifier{})
				l.Close()
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
		})
	}
	// A forged tail: a block whose certificate does not verify.
	forged := openTest(t, write("forged.db", data))
	if err := forged.Update(func(tx *Tx) error {
		br, err := tx.Block(tx.Height())
		if err != nil {
			return err
		}
		br.Cert.Sigs[0].Sig[10] ^= 1
		return putSealed(tx.tx.Bucket(bBlocks), u64(br.Height), encodeBlockRecord(br))
	}); err != nil {
		t.Fatal(err)
	}
	if err := forged.VerifyLast(&pbft.MLDSAVerifier{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("VerifyLast on a forged tail: %v", err)
	}
	// Height that disagrees with the last block.
	forged.Update(func(tx *Tx) error { return tx.tx.Bucket(bMeta).Put(kHeight, u64(99)) })
	forged.Close()
	if _, err := Open(filepath.Join(dir, "forged.db"), Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open with a wrong height: %v", err)
	}
}

func TestAddressPagination(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	m := newCertifier(t).m
	if err := l.Init(Meta{ChainID: "c"}, m, nil); err != nil {
		t.Fatal(err)
	}
	a, b := "cc1aaaa", "cc1aaaab" // b extends a: prefixes must not mix
	err := l.Update(func(tx *Tx) error {
		for h := uint64(1); h <= 10; h++ {
			for i := uint32(0); i < 3; i++ {
				var id [32]byte
				binary.BigEndian.PutUint64(id[:], h*10+uint64(i))
				if err := tx.AddAddress(a, id, h, i, 1); err != nil {
					return err
				}
				if err := tx.AddAddress(b, id, h, i, 2); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all []AddrEntry
	l.View(func(tx *Tx) error {
		after, h, i := false, uint64(0), uint32(0)
		for {
			page, more := tx.AddressTxs(a, after, h, i, 7)
			all = append(all, page...)
			if !more {
				return nil
			}
			last := page[len(page)-1]
			after, h, i = true, last.Height, last.Index
		}
	})
	if len(all) != 30 {
		t.Fatalf("%d entries, want 30", len(all))
	}
	for k, e := range all {
		if e.Kind != 1 || e.Height != uint64(k/3+1) || e.Index != uint32(k%3) {
			t.Fatalf("entry %d: %+v", k, e)
		}
	}
}

func TestProofMatchesTxRoot(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	c := newCertifier(t)
	l.Init(Meta{ChainID: "c"}, c.m, nil)
	for n := 1; n <= 9; n++ {
		var txs [][]byte
		for i := range n {
			txs = append(txs, []byte(fmt.Sprintf("tx %d of %d", i, n)))
		}
		commitBlock(t, l, c, txs)
		l.View(func(tx *Tx) error {
			for i, raw := range txs {
				id := sha256.Sum256(raw)
				br, idx, proof, err := tx.Proof(id)
				if err != nil || idx != i {
					t.Fatalf("proof %d/%d: %v", i, n, err)
				}
				if !chain.VerifyMerkleProof(id[:], br.Block.TxRoot(), idx, n, proof) {
					t.Fatalf("proof %d/%d does not lead to TxRoot", i, n)
				}
			}
			return nil
		})
	}
}

func TestPruneAndRecords(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	l.Init(Meta{ChainID: "c"}, newCertifier(t).m, nil)
	l.Update(func(tx *Tx) error {
		for s := uint64(1); s <= 10; s++ {
			tx.PutEntry(&pbft.EntryRecord{Seq: s, Prepare: &pbft.Message{Type: pbft.MsgPrepare, From: 2, Seq: s}})
		}
		return tx.PruneEntries(6)
	})
	l.View(func(tx *Tx) error {
		es, err := tx.Entries()
		if err != nil || len(es) != 4 || es[0].Seq != 7 {
			t.Fatalf("entries after prune: %v %v", es, err)
		}
		return nil
	})
	rec := &Record{Status: Revoked, Holder: "cc1x", HolderKey: "k", Attester: "a", RevokedBy: [32]byte{9}, Reason: "why"}
	var id [32]byte
	l.Update(func(tx *Tx) error { return tx.PutRecord(id, rec) })
	l.View(func(tx *Tx) error {
		got, err := tx.Record(id)
		if err != nil || *got != *rec {
			t.Fatalf("record: %+v %v", got, err)
		}
		if _, err := tx.Record([32]byte{1}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing record: %v", err)
		}
		return nil
	})
}

// TestEntryBlocksStoredOnce checks that a pre-prepare's block, kept once
// per (seq, digest) apart from the entry record, comes back attached and
// checked, and goes with its entry when pruned.
func TestEntryBlocksStoredOnce(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	l.Init(Meta{ChainID: "c"}, newCertifier(t).m, nil)
	blk := &pbft.Block{View: 0, Proposer: 1, Time: 5, Txs: [][]byte{[]byte("tx-a"), []byte("tx-b")}}
	pp := pbft.Message{Type: pbft.MsgPrePrepare, From: 1, Seq: 3, Digest: blk.Digest(3), Block: blk, Sig: []byte("s")}
	prep := pbft.Message{Type: pbft.MsgPrepare, From: 2, Seq: 3, Digest: pp.Digest, Sig: []byte("p")}
	bare := pp
	bare.Block = nil
	e := pbft.EntryRecord{Seq: 3, PrePrepare: &pp, Prepare: &prep, Prepared: &pbft.PreparedProof{PrePrepare: bare, Prepares: []pbft.Message{prep}}, PreparedBlock: blk}
	for range 3 { // rewritten at every phase
		if err := l.Update(func(tx *Tx) error { return tx.PutEntry(&e) }); err != nil {
			t.Fatal(err)
		}
	}
	if pp.Block == nil || e.PreparedBlock == nil {
		t.Fatal("PutEntry changed its argument")
	}
	l.View(func(tx *Tx) error {
		if n := tx.tx.Bucket(bEntryBlks).Stats().KeyN; n != 1 {
			t.Fatalf("%d stored blocks, want 1", n)
		}
		if v := tx.tx.Bucket(bEntries).Get(u64(3)); len(v) >= len(pbft.EncodeBlock(blk)) && bytes.Contains(v, []byte("tx-a")) {
			t.Fatal("the entry record still holds the block")
		}
		es, err := tx.Entries()
		if err != nil || len(es) != 1 {
			t.Fatalf("entries: %v %v", es, err)
		}
		for _, b := range []*pbft.Block{es[0].PrePrepare.Block, es[0].PreparedBlock} {
			if b == nil || b.Digest(3) != pp.Digest || string(b.Txs[1]) != "tx-b" {
				t.Fatalf("entry came back without its block: %+v", es[0])
			}
		}
		if es[0].Prepared.PrePrepare.Block != nil {
			t.Fatal("the prepared proof's pre-prepare came back with a block (peers refuse nested blocks)")
		}
		return nil
	})
	// A missing block is corruption, not a silent pre-prepare without one.
	l.Update(func(tx *Tx) error { return tx.tx.Bucket(bEntryBlks).Delete(entryBlockKey(3, pp.Digest)) })
	l.View(func(tx *Tx) error {
		if _, err := tx.Entries(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("entries without the block: %v", err)
		}
		return nil
	})
	l.Update(func(tx *Tx) error { return tx.PutEntry(&e) })
	l.Update(func(tx *Tx) error { return tx.PruneEntries(3) })
	l.View(func(tx *Tx) error {
		if n := tx.tx.Bucket(bEntryBlks).Stats().KeyN; n != 0 {
			t.Fatalf("%d blocks left after pruning their entry", n)
		}
		return nil
	})
}

// TestOtherSchemaRefused checks that files of every earlier schema are
// refused with the message that tells the operator what to do, none
// upgraded in place: schema 3 and 2 files hold certificates without the
// epoch their signatures now bind.
func TestOtherSchemaRefused(t *testing.T) {
	for _, v := range []uint32{1, 2, 3} {
		path := filepath.Join(t.TempDir(), "l.db")
		l := openTest(t, path)
		if err := l.Init(Meta{ChainID: "c"}, newCertifier(t).m, nil); err != nil {
			t.Fatal(err)
		}
		if err := l.db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bMeta).Put(kSchema, binary.BigEndian.AppendUint32(nil, v))
		}); err != nil {
			t.Fatal(err)
		}
		l.Close()
		_, err := Open(path, Options{})
		want := fmt.Sprintf("schema version %d, this build reads %d (move the file away", v, SchemaVersion)
		if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), want) {
			t.Fatalf("schema %d: %v", v, err)
		}
	}
}
