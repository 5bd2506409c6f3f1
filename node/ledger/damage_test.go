package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// damaged is a ledger file written by the tests below, and what it holds.
type damaged struct {
	path   string
	blocks map[uint64][][]byte // height → raw transactions
	txs    map[[32]byte]uint64 // TxID → height
}

// writeDamageLedger commits 24 blocks of 4 distinct transactions of 600
// bytes each, with merges, and closes the file.
func writeDamageLedger(t *testing.T) *damaged {
	t.Helper()
	d := &damaged{path: filepath.Join(t.TempDir(), "l.db"), blocks: map[uint64][][]byte{}, txs: map[[32]byte]uint64{}}
	c := newCertifier(t)
	l, err := Open(d.path, Options{NoSync: true, mergeLayers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Init(Meta{ChainID: "c"}, c.m, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 24 {
		var txs [][]byte
		for range 4 {
			tx := make([]byte, 600)
			for i := range tx {
				tx[i] = byte(rng.Uint32())
			}
			txs = append(txs, tx)
		}
		h := commitBlock(t, l, c, txs)
		d.blocks[h] = txs
		for _, tx := range txs {
			d.txs[sha256.Sum256(tx)] = h
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *damaged) file(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (d *damaged) write(t *testing.T, b []byte) {
	t.Helper()
	if err := os.WriteFile(d.path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// pageSize reads bbolt's page size from the first meta page.
func pageSize(b []byte) int { return int(binary.LittleEndian.Uint32(b[16+8:])) }

// serve opens the file and reads every block and every transaction's
// proof, as the API would. It fails the test if anything is served that
// differs from what was written, if a block or transaction the file had
// is reported missing, or if an error other than ErrCorrupt occurs. It
// returns the reads that found damage and the open error (ErrCorrupt:
// refused).
func (d *damaged) serve(t *testing.T, full bool) (damage []string, openErr error) {
	t.Helper()
	l, err := Open(d.path, Options{NoSync: true, FullCheck: full})
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open refused with %v, want ErrCorrupt", err)
		}
		return nil, err
	}
	defer l.Close()
	for h, want := range d.blocks {
		err := l.View(func(tx *Tx) error {
			br, err := tx.Block(h)
			if err != nil {
				return err
			}
			if len(br.Block.Txs) != len(want) {
				t.Fatalf("block %d served with %d transactions, written with %d", h, len(br.Block.Txs), len(want))
			}
			for i := range want {
				if !bytes.Equal(br.Block.Txs[i], want[i]) {
					t.Fatalf("block %d served with a transaction that differs from the one written", h)
				}
			}
			return nil
		})
		switch {
		case errors.Is(err, ErrCorrupt):
			damage = append(damage, fmt.Sprintf("block %d: %v", h, err))
		case err != nil:
			t.Fatalf("block %d: %v, want the block or ErrCorrupt", h, err)
		}
	}
	for id, h := range d.txs {
		err := l.View(func(tx *Tx) error {
			br, i, _, err := tx.Proof(id)
			if err != nil {
				return err
			}
			if br.Height != h || sha256.Sum256(br.Block.Txs[i]) != id {
				t.Fatalf("transaction %x served from block %d index %d, written in block %d", id[:4], br.Height, i, h)
			}
			return nil
		})
		switch {
		case errors.Is(err, ErrCorrupt):
			damage = append(damage, fmt.Sprintf("tx %x: %v", id[:4], err))
		case err != nil:
			t.Fatalf("transaction %x of block %d: %v, want it or ErrCorrupt", id[:4], h, err)
		}
	}
	return damage, nil
}

// One byte flipped in every copy of one committed transaction: the reads
// of its block and of the transaction fail with ErrCorrupt, the rest is
// served, and the full check at open refuses the file.
func TestDamageFlippedTransaction(t *testing.T) {
	d := writeDamageLedger(t)
	const h = 7
	target := d.blocks[h][2]
	b := d.file(t)
	copies := 0
	for off := 0; ; {
		i := bytes.Index(b[off:], target)
		if i < 0 {
			break
		}
		b[off+i+300] ^= 0x20
		copies++
		off += i + len(target)
	}
	if copies == 0 {
		t.Fatal("the transaction's bytes are not in the file")
	}
	d.write(t, b)
	damage, openErr := d.serve(t, false)
	if openErr != nil {
		t.Fatalf("the bounded open refused damage it does not rely on: %v", openErr)
	}
	if len(damage) != 1+4 { // the block, and each of its four transactions' proofs
		t.Errorf("damage found in %d reads, want 5 (block %d and its transactions): %q", len(damage), h, damage)
	}
	if _, openErr := d.serve(t, true); openErr == nil {
		t.Error("the full check at open passed a flipped transaction")
	}
}

// One data page zeroed: what it held is ErrCorrupt, never data; the full
// check refuses the file.
func TestDamageZeroedPage(t *testing.T) {
	d := writeDamageLedger(t)
	b := d.file(t)
	ps := pageSize(b)
	i := bytes.Index(b, d.blocks[11][0])
	if i < 0 {
		t.Fatal("the transaction's bytes are not in the file")
	}
	page := i / ps
	clear(b[page*ps : (page+1)*ps])
	d.write(t, b)
	damage, openErr := d.serve(t, false)
	if openErr == nil && len(damage) == 0 {
		t.Fatal("a zeroed page of block 11 went unnoticed")
	}
	if _, openErr := d.serve(t, true); openErr == nil {
		t.Error("the full check at open passed a zeroed page")
	}
	// Any other data page: never served wrong, never a crash.
	for seed := range uint64(12) {
		d := writeDamageLedger(t)
		b := d.file(t)
		rng := rand.New(rand.NewPCG(seed, 99))
		page := 2 + rng.IntN(len(b)/ps-2)
		clear(b[page*ps : (page+1)*ps])
		d.write(t, b)
		d.serve(t, false)
		d.serve(t, true)
	}
}

// 64 random bytes past the meta pages, at random places: never served
// wrong, never a crash; what the reads found damaged, the full check
// refuses; and the damage is found at all in some of the runs.
func TestDamageRandomBytes(t *testing.T) {
	found := 0
	for seed := range uint64(24) {
		d := writeDamageLedger(t)
		b := d.file(t)
		ps := pageSize(b)
		rng := rand.New(rand.NewPCG(seed, 7))
		off := 2*ps + rng.IntN(len(b)-2*ps-64)
		for i := range 64 {
			b[off+i] = byte(rng.Uint32())
		}
		d.write(t, b)
		damage, openErr := d.serve(t, false)
		if openErr != nil || len(damage) > 0 {
			found++
			if _, fullErr := d.serve(t, true); fullErr == nil && openErr == nil {
				t.Errorf("seed %d: reads found %q, the full check at open passed", seed, damage)
			}
		}
	}
	if found == 0 {
		t.Error("no run found any damage: the test does not exercise the checks")
	}
	t.Logf("%d of 24 runs hit live data", found)
}

// Every reader of a sealed bucket unseals: the membership history reads
// back what was written (a reader that forgot the seal decodes garbage).
func TestMembershipsReadSealed(t *testing.T) {
	l := openTest(t, filepath.Join(t.TempDir(), "l.db"))
	c := newCertifier(t)
	if err := l.Init(Meta{ChainID: "c"}, c.m, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := l.View(func(tx *Tx) error {
		recs, err := tx.Memberships()
		if err != nil {
			return err
		}
		if len(recs) != 1 || recs[0].From != 1 || len(recs[0].Membership.Members) != 1 {
			t.Errorf("memberships %+v", recs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
