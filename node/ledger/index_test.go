package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"go.etcd.io/bbolt"
)

// openIndexed opens an initialised ledger at path, closed when the test
// ends.
func openIndexed(t *testing.T, path string, o Options) *Ledger {
	t.Helper()
	l, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := l.Init(Meta{ChainID: "c"}, newCertifier(t).m, nil); err != nil {
		t.Fatal(err)
	}
	return l
}

// reopen closes l and opens path again, closed when the test ends.
func reopen(t *testing.T, l *Ledger, path string, o Options) *Ledger {
	t.Helper()
	l.Close()
	l, err := Open(path, o)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// indexModel is what the index buckets should answer, kept in plain maps.
type indexModel struct {
	txs        map[[32]byte]Loc
	addrs      map[string][]AddrEntry
	statements map[[32]byte][32]byte
	payments   map[string][32]byte
	records    map[[32]byte]Record
}

func newIndexModel() *indexModel {
	return &indexModel{txs: map[[32]byte]Loc{}, addrs: map[string][]AddrEntry{}, statements: map[[32]byte][32]byte{},
		payments: map[string][32]byte{}, records: map[[32]byte]Record{}}
}

func idOf(n int) (id [32]byte) {
	binary.BigEndian.PutUint64(id[:], uint64(n)*0x9e3779b97f4a7c15) // spread over the key space
	binary.BigEndian.PutUint64(id[24:], uint64(n))
	return id
}

func (m *indexModel) clone() *indexModel {
	c := &indexModel{txs: maps.Clone(m.txs), addrs: map[string][]AddrEntry{}, statements: maps.Clone(m.statements), payments: maps.Clone(m.payments), records: maps.Clone(m.records)}
	for a, es := range m.addrs {
		c.addrs[a] = slices.Clone(es)
	}
	return c
}

// writeBlock indexes n transactions at height h in one Update, as the
// executor does (a record is overwritten now and then, a replayed TxID
// does not move), checking that the transaction reads its own writes.
func (m *indexModel) writeBlock(t *testing.T, l *Ledger, rng *rand.Rand, h uint64, first, n int) {
	t.Helper()
	err := l.Update(func(tx *Tx) error {
		for i := range n {
			k, id := first+i, idOf(first+i)
			loc := Loc{Height: h, Index: uint32(i), Code: Code(k % 3)}
			if err := tx.PutTx(id, loc); err != nil {
				return err
			}
			if _, ok := m.txs[id]; !ok {
				m.txs[id] = loc
			}
			if got, ok := tx.TxLoc(id); !ok || got != m.txs[id] {
				return fmt.Errorf("own write of tx %d: %+v %v", k, got, ok)
			}
			addr := fmt.Sprintf("cc1%03d", rng.IntN(7))
			e := AddrEntry{TxID: id, Height: h, Index: uint32(i), Kind: byte(k)}
			if err := tx.AddAddress(addr, id, h, uint32(i), byte(k)); err != nil {
				return err
			}
			m.addrs[addr] = append(m.addrs[addr], e)
			if err := tx.PutStatement(idOf(-k), id); err != nil {
				return err
			}
			m.statements[idOf(-k)] = id
			pay := fmt.Sprint("pay-", k)
			if err := tx.PutPayment("kakaopay", pay, id); err != nil {
				return err
			}
			m.payments[pay] = id
			target := id
			if k > 0 && rng.IntN(3) == 0 {
				target = idOf(rng.IntN(k)) // amend an older record
			}
			rec := Record{Status: Status(1 + k%3), Holder: addr, Reason: fmt.Sprint("v", k)}
			if err := tx.PutRecord(target, &rec); err != nil {
				return err
			}
			m.records[target] = rec
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// check compares every key the model knows, and some it does not, with
// what a fresh snapshot reads.
func (m *indexModel) check(t *testing.T, l *Ledger, upTo int) {
	t.Helper()
	err := l.View(func(tx *Tx) error {
		for k := -1; k <= upTo; k++ {
			id := idOf(k)
			loc, ok := tx.TxLoc(id)
			want, wok := m.txs[id]
			if ok != wok || loc != want {
				return fmt.Errorf("tx %d: %+v %v, want %+v %v", k, loc, ok, want, wok)
			}
			s, ok := tx.Statement(idOf(-k))
			ws, wok := m.statements[idOf(-k)]
			if ok != wok || s != ws {
				return fmt.Errorf("statement %d: %v", k, ok)
			}
			p, ok := tx.Payment("kakaopay", fmt.Sprint("pay-", k))
			wp, wok := m.payments[fmt.Sprint("pay-", k)]
			if ok != wok || p != wp {
				return fmt.Errorf("payment %d: %v", k, ok)
			}
			r, err := tx.Record(id)
			wr, wok := m.records[id]
			if (err == nil) != wok || (wok && *r != wr) || (!wok && !errors.Is(err, ErrNotFound)) {
				return fmt.Errorf("record %d: %+v %v, want %+v", k, r, err, wr)
			}
		}
		for addr, want := range m.addrs {
			var got []AddrEntry
			after, h, i := false, uint64(0), uint32(0)
			for {
				page, more := tx.AddressTxs(addr, after, h, i, 3)
				got = append(got, page...)
				if !more {
					break
				}
				last := page[len(page)-1]
				after, h, i = true, last.Height, last.Index
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("address %s: %d entries, want %d", addr, len(got), len(want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIndexLayersMergesAndReopen drives the log-structured index through
// many layers, merges and reopenings and compares every answer with a
// model: a look-up never depends on whether its key is still in a layer,
// in the log, or merged.
func TestIndexLayersMergesAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	opts := Options{NoSync: true, mergeEntries: 200, mergeLayers: 6}
	l := openIndexed(t, path, opts)
	m, rng := newIndexModel(), rand.New(rand.NewPCG(1, 2))
	next, reloaded := 0, 0
	for h := uint64(1); h <= 60; h++ {
		n := 1 + rng.IntN(25)
		if h%10 == 0 {
			next -= 3 // replay three TxIDs: the first location stays
		}
		m.writeBlock(t, l, rng, h, next, n)
		next += n
		m.check(t, l, next)
		if h%7 == 0 {
			l = reopen(t, l, path, opts)
			if l.ix.cur.Load().n > 0 {
				reloaded++
			}
			m.check(t, l, next)
		}
	}
	if l.ix.merges.Load() == 0 && reloaded == 0 {
		t.Fatal("no merge and no reload happened: the test covers nothing of the log")
	}
	if reloaded == 0 {
		t.Fatal("no reopening found unmerged layers to reload")
	}
	// Everything merged, read from the buckets alone.
	l2 := reopen(t, l, path, Options{NoSync: true, mergeLayers: 1})
	m.writeBlock(t, l2, rng, 61, next, 1)
	if n := l2.ix.cur.Load().n; n != 0 {
		t.Fatalf("%d entries left in layers after a merge", n)
	}
	m.check(t, l2, next+1)
}

// TestIndexSnapshotIsolation holds a reader open across writes and a
// merge: it keeps reading its snapshot, neither newer layers nor what the
// merge moved into the buckets twice.
func TestIndexSnapshotIsolation(t *testing.T) {
	l := openIndexed(t, filepath.Join(t.TempDir(), "l.db"), Options{NoSync: true, mergeLayers: 3, mmapSize: 64 << 20})
	m, rng := newIndexModel(), rand.New(rand.NewPCG(3, 4))
	m.writeBlock(t, l, rng, 1, 0, 5)
	m.writeBlock(t, l, rng, 2, 5, 5)
	old := m.clone()
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- l.View(func(tx *Tx) error {
			close(held)
			<-release
			if _, ok := tx.TxLoc(idOf(12)); ok {
				return fmt.Errorf("a snapshot reads a transaction written after it")
			}
			for id, want := range old.records {
				if r, err := tx.Record(id); err != nil || *r != want {
					return fmt.Errorf("record changed under a snapshot: %+v %v", r, err)
				}
			}
			for a, want := range old.addrs {
				if got, _ := tx.AddressTxs(a, false, 0, 0, 1000); !slices.Equal(got, want) {
					return fmt.Errorf("address %s: %d entries under the snapshot, want %d", a, len(got), len(want))
				}
			}
			return nil
		})
	}()
	<-held
	merges := l.ix.merges.Load()
	for h := uint64(3); h <= 6; h++ {
		m.writeBlock(t, l, rng, h, int(h-3)*5+10, 5)
	}
	if l.ix.merges.Load() == merges {
		t.Fatal("no merge happened while the reader was open")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m.check(t, l, 30)
}

// TestIndexReadersBesideACommit starts readers in the two windows where
// the published layer set and the committed snapshot differ: after a
// writer published its layer (or a merge's mark) but before it committed,
// and after a merge committed but before its layers were dropped. Each
// reader must see exactly its own snapshot.
func TestIndexReadersBesideACommit(t *testing.T) {
	l := openIndexed(t, filepath.Join(t.TempDir(), "l.db"), Options{NoSync: true, mergeLayers: 4})
	m, rng := newIndexModel(), rand.New(rand.NewPCG(7, 8))
	var before *indexModel
	next, seen := 0, map[string]int{}
	l.hook = func(stage string) {
		seen[stage]++
		if l.ix.cur.Load().mergedAt != 0 {
			seen[stage+" merge"]++
		}
		switch stage {
		case "published":
			before.check(t, l, next)
		case "committed":
			m.check(t, l, next)
		}
	}
	for h := uint64(1); h <= 9; h++ {
		before = m.clone()
		m.writeBlock(t, l, rng, h, next, 4)
		next += 4
	}
	if seen["published"] != 9 || seen["published merge"] == 0 || seen["committed merge"] == 0 {
		t.Fatalf("windows visited: %v", seen)
	}
}

// TestIndexAddressKeyWrittenTwice lists an address entry written twice in
// one transaction once, as the bucket would, before and after its merge
// and after reloading the log.
func TestIndexAddressKeyWrittenTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	l := openIndexed(t, path, Options{NoSync: true})
	id := idOf(1)
	if err := l.Update(func(tx *Tx) error {
		return errors.Join(tx.AddAddress("cc1a", id, 1, 0, 1), tx.AddAddress("cc1a", id, 1, 0, 2))
	}); err != nil {
		t.Fatal(err)
	}
	want := []AddrEntry{{TxID: id, Height: 1, Index: 0, Kind: 2}}
	listed := func(what string) {
		t.Helper()
		l.View(func(tx *Tx) error {
			if got, more := tx.AddressTxs("cc1a", false, 0, 0, 10); more || !slices.Equal(got, want) {
				t.Fatalf("%s: %+v", what, got)
			}
			return nil
		})
	}
	listed("in a layer")
	l = reopen(t, l, path, Options{NoSync: true, mergeLayers: 1})
	listed("reloaded from the log")
	l.Update(func(tx *Tx) error { return tx.PutStatement(idOf(2), id) }) // merges
	if l.IndexStats().Merges != 1 {
		t.Fatalf("index stats after the merge: %+v", l.IndexStats())
	}
	listed("merged")
}

// TestIndexConcurrentWriters runs writers on several goroutines with
// frequent merges: Ledger promises safe concurrent use, and a writer that
// begins between a merge's commit and the publication of its emptied
// layer set must neither lose layers nor bring merged ones back.
func TestIndexConcurrentWriters(t *testing.T) {
	l := openIndexed(t, filepath.Join(t.TempDir(), "l.db"), Options{NoSync: true, mergeLayers: 3})
	const writers, each = 4, 40
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				n := w*each + k
				err := l.Update(func(tx *Tx) error {
					return errors.Join(tx.PutTx(idOf(n), Loc{Height: uint64(n + 1)}), tx.AddAddress("cc1shared", idOf(n), uint64(n+1), 0, 1))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	l.View(func(tx *Tx) error {
		for n := range writers * each {
			if loc, ok := tx.TxLoc(idOf(n)); !ok || loc.Height != uint64(n+1) {
				t.Fatalf("tx %d: %+v %v", n, loc, ok)
			}
		}
		got, _ := tx.AddressTxs("cc1shared", false, 0, 0, 10*writers*each)
		if len(got) != writers*each {
			t.Fatalf("the address lists %d entries, want %d", len(got), writers*each)
		}
		return nil
	})
}

// TestIndexLogDamage refuses a damaged index log.
func TestIndexLogDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	l := openIndexed(t, path, Options{NoSync: true, mergeLayers: 1})
	m, rng := newIndexModel(), rand.New(rand.NewPCG(5, 6))
	m.writeBlock(t, l, rng, 1, 0, 10) // merged at once: the buckets hold it all
	l = reopen(t, l, path, Options{NoSync: true})
	m.check(t, l, 10)
	m.writeBlock(t, l, rng, 2, 10, 10)
	m.check(t, l, 20)
	if err := l.db.Update(func(tx *bbolt.Tx) error {
		return putSealed(tx.Bucket(bIndexLog), logKey(1<<40, 0), []byte{byte(numIx), 1, 'k'})
	}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("damaged index log: %v", err)
	}
}
