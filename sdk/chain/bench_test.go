package chain

import (
	"context"
	"testing"
)

// BenchmarkCheckStateless is the per-transaction cost a replica pays for a
// career.register: three Ed25519 verifications, five canonical encodings
// and the field checks.
func BenchmarkCheckStateless(b *testing.B) {
	f := newFixture(b)
	tx := f.career(b, careerOpts{})
	p := f.params()
	b.ReportAllocs()
	for b.Loop() {
		if err := tx.CheckStateless(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckStatelessRevoke: one signature, for comparison.
func BenchmarkCheckStatelessRevoke(b *testing.B) {
	f := newFixture(b)
	tx := f.revoke(b, f.holder, nil)
	p := f.params()
	b.ReportAllocs()
	for b.Loop() {
		if err := tx.CheckStateless(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeTx(b *testing.B) {
	tx := newFixture(b).career(b, careerOpts{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeTx(tx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeTx(b *testing.B) {
	enc, err := EncodeTx(newFixture(b).career(b, careerOpts{}))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeTx(enc, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTxID(b *testing.B) {
	tx := newFixture(b).career(b, careerOpts{})
	b.ReportAllocs()
	for b.Loop() {
		if TxID(tx) == "" {
			b.Fatal("no id")
		}
	}
}

func BenchmarkMerkleRoot1000(b *testing.B) {
	leaves := testLeaves(1000)
	b.ReportAllocs()
	for b.Loop() {
		MerkleRoot(leaves)
	}
}

// BenchmarkMineBytes16 mines a difficulty-16 stamp (2^16 tries on average).
func BenchmarkMineBytes16(b *testing.B) {
	data := []byte("join request")
	i := 0
	for b.Loop() {
		data[0] = byte(i) // a new puzzle each time
		i++
		if _, err := MineBytes(context.Background(), data, 16); err != nil {
			b.Fatal(err)
		}
	}
}
