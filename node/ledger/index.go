package ledger

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
)

// The index buckets (txs, addrs, statements, payments, records) are keyed
// by hashes, so every insert lands on a random leaf: written directly, a
// block of n transactions dirtied about 5n random pages (each rewritten
// whole) and that was the largest cost of a commit after the signature
// checks. They are therefore written log-structured:
//
//   - A write transaction collects its index writes in a layer (an
//     in-memory map per bucket) and appends them to the index_log bucket,
//     whose keys (writer's transaction id, sequence) only grow: the append
//     touches the last leaf or two.
//   - Committed layers stay in memory, newest on top of the buckets; a
//     look-up reads the layers newest first, then the bucket.
//   - When the layers would reach mergeEntries entries or mergeLayers
//     layers, the next write transaction folds them (and its own writes)
//     into the buckets in key order, so a leaf is rewritten once per merge
//     rather than once per block, and empties the log.
//   - Open reloads the log into layers: nothing committed is lost with the
//     memory.
//
// Readers see one snapshot. Each layer carries the bbolt transaction id
// that wrote it, and a reader ignores layers newer than its own snapshot;
// a merge marks the layer set with its transaction id so that readers
// from that id on read the buckets alone. A layer set is published before
// the commit that makes it real, and removed only after the merge that
// folded it committed, both under pub, which readers hold while they
// begin their transaction and take the layer set: no reader can pair a
// snapshot with a layer set that lacks what the snapshot needs.

// ix names an index bucket.
type ix uint8

const (
	ixTxs ix = iota
	ixAddrs
	ixStatements
	ixPayments
	ixRecords
	numIx
)

var ixBuckets = [numIx][]byte{bTxs, bAddrs, bStatements, bPayments, bRecords}

const (
	// defaultMergeEntries and defaultMergeLayers bound the unmerged log: a
	// few MiB of memory at most, and a miss reads at most that many maps.
	defaultMergeEntries = 1 << 13
	defaultMergeLayers  = 32
)

// layer is the index writes of one write transaction. Once published it
// is never modified.
type layer struct {
	v     uint64 // the bbolt transaction id that wrote it
	m     [numIx]map[string][]byte
	addrs map[string][]AddrEntry // ixAddrs again, per address in chain order
	n     int
}

func newLayer(v uint64) *layer {
	l := &layer{v: v, addrs: map[string][]AddrEntry{}}
	for i := range l.m {
		l.m[i] = map[string][]byte{}
	}
	return l
}

// put records one index write; val is kept, not copied. The address
// listing is kept beside the map for AddressTxs, one entry per key as in
// the bucket.
func (l *layer) put(i ix, key, val []byte) {
	k := string(key)
	_, seen := l.m[i][k]
	if !seen {
		l.n++
	}
	l.m[i][k] = val
	if i != ixAddrs {
		return
	}
	p, e, ok := decodeAddrEntry(key, val)
	if !ok {
		return
	}
	addr := string(key[1:p])
	if seen {
		if j := slices.IndexFunc(l.addrs[addr], func(o AddrEntry) bool { return o.Height == e.Height && o.Index == e.Index }); j >= 0 {
			l.addrs[addr][j] = e
			return
		}
	}
	l.addrs[addr] = append(l.addrs[addr], e)
}

// layers is a published set of layers, oldest first.
type layers struct {
	ls []*layer
	n  int // entries over all layers
	// mergedAt, when nonzero, is the id of the write transaction that
	// folds every layer here into the buckets: snapshots from it on must
	// not read them.
	mergedAt uint64
}

// visible returns the layers a snapshot at transaction id at reads.
func (s *layers) visible(at uint64) []*layer {
	if s == nil || (s.mergedAt != 0 && at >= s.mergedAt) {
		return nil
	}
	ls := s.ls
	for len(ls) > 0 && ls[len(ls)-1].v > at {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// index is the Ledger's log-structured index state.
type index struct {
	pub          sync.RWMutex // see above: readers RLock across Begin and load
	cur          atomic.Pointer[layers]
	mergeEntries int
	mergeLayers  int
	merges       atomic.Uint64
}

// get reads key from index bucket i as the transaction sees it.
func (t *Tx) get(i ix, key []byte) []byte {
	if t.w != nil {
		if v, ok := t.w.m[i][string(key)]; ok {
			return v
		}
	}
	for j := len(t.ls) - 1; j >= 0; j-- {
		if v, ok := t.ls[j].m[i][string(key)]; ok {
			return v
		}
	}
	name := ixBuckets[i]
	c := t.tx.Bucket(name).Cursor()
	k, v := c.Seek(key)
	if k == nil {
		return nil
	}
	p, err := unseal(name, k, v)
	if err != nil {
		// Also when k is the record after key: a miss next to a damaged
		// record may be the damaged record itself.
		t.corrupt(err)
		return nil
	}
	if !bytes.Equal(k, key) {
		t.checkMiss(name, c, k, key)
		return nil
	}
	return p
}

// checkMiss looks around a look-up that missed key, where the cursor
// stopped at k: the records either side must be intact and bracket key
// (prev < key < k). A damaged branch page sends a search to the wrong
// leaf, and a damaged key moves out of place; either shows here as
// records out of order or a broken seal, which marks the read damaged
// instead of answering "not found" for something the file holds.
func (t *Tx) checkMiss(name []byte, c *bbolt.Cursor, k, key []byte) {
	if bytes.Compare(k, key) < 0 {
		t.corrupt(fmt.Errorf("%w: bucket %s: a search for %x stopped at the smaller key %x", ErrCorrupt, name, clipKey(key), clipKey(k)))
		return
	}
	pk, pv := c.Prev()
	if pk == nil {
		return
	}
	if _, err := unseal(name, pk, pv); err != nil {
		t.corrupt(err)
		return
	}
	if bytes.Compare(pk, key) >= 0 {
		t.corrupt(fmt.Errorf("%w: bucket %s: records out of order around %x", ErrCorrupt, name, clipKey(key)))
	}
}

// put writes key in index bucket i (inside Update only).
func (t *Tx) put(i ix, key, val []byte) error {
	if t.w == nil {
		return fmt.Errorf("ledger: index write in a read-only transaction")
	}
	t.w.put(i, key, val)
	return nil
}

// flush ends a write transaction's index work before its commit: it
// either appends the transaction's layer to the log and publishes it, or
// merges every layer into the buckets and publishes that snapshots from
// this transaction on read the buckets alone. It reports whether it
// published, and the layer set to publish once the commit succeeded.
func (l *Ledger) flush(t *Tx) (published bool, after *layers, err error) {
	cur := l.ix.cur.Load()
	if t.w.n == 0 {
		return false, nil, nil
	}
	if cur.n+t.w.n < l.ix.mergeEntries && len(cur.ls)+1 < l.ix.mergeLayers {
		if err := appendLog(t.tx, t.w); err != nil {
			return false, nil, err
		}
		l.publish(&layers{ls: append(slices.Clip(cur.ls), t.w), n: cur.n + t.w.n})
		return true, nil, nil
	}
	if err := merge(t.tx, append(slices.Clip(cur.ls), t.w)); err != nil {
		return false, nil, err
	}
	l.publish(&layers{ls: cur.ls, n: cur.n, mergedAt: t.w.v})
	l.ix.merges.Add(1)
	return true, &layers{}, nil
}

func (l *Ledger) publish(s *layers) {
	l.ix.pub.Lock()
	l.ix.cur.Store(s)
	l.ix.pub.Unlock()
}

// logKey is the index_log key of the n-th write of transaction v.
func logKey(v uint64, n uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(make([]byte, 0, 12), v), n)
}

// appendLog writes a layer to the index log: ix, key length, key, value.
// Each bucket's writes go in key order: loadLog rebuilds a layer's
// address listings in log order, and for the addrs keys (address,
// height, index) key order is chain order.
func appendLog(btx *bbolt.Tx, w *layer) error {
	b := btx.Bucket(bIndexLog)
	b.FillPercent = 1 // append-only keys: full pages
	n := uint32(0)
	for i := range w.m {
		for _, k := range sortedKeys(w.m[i]) {
			v := w.m[i][k]
			rec := make([]byte, 0, 1+binary.MaxVarintLen32+len(k)+len(v))
			rec = append(rec, byte(i))
			rec = binary.AppendUvarint(rec, uint64(len(k)))
			rec = append(append(rec, k...), v...)
			if err := putSealed(b, logKey(w.v, n), rec); err != nil {
				return err
			}
			n++
		}
	}
	return nil
}

// merge folds layers (oldest first) into the index buckets in key order,
// newer writes winning, and empties the log.
func merge(btx *bbolt.Tx, ls []*layer) error {
	for i := range numIx {
		all := map[string][]byte{}
		for _, l := range ls {
			for k, v := range l.m[i] {
				all[k] = v
			}
		}
		b := btx.Bucket(ixBuckets[i])
		for _, k := range sortedKeys(all) {
			if err := putSealed(b, []byte(k), all[k]); err != nil {
				return err
			}
		}
	}
	if err := btx.DeleteBucket(bIndexLog); err != nil {
		return err
	}
	_, err := btx.CreateBucket(bIndexLog)
	return err
}

func sortedKeys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// loadLog rebuilds the unmerged layers from the index log at open.
func loadLog(btx *bbolt.Tx) (*layers, error) {
	s := &layers{}
	var cur *layer
	err := btx.Bucket(bIndexLog).ForEach(func(k, rec []byte) error {
		if len(k) != 12 {
			return fmt.Errorf("%w: index log key of %d bytes", ErrCorrupt, len(k))
		}
		rec, err := unseal(bIndexLog, k, rec)
		if err != nil {
			return err
		}
		v := binary.BigEndian.Uint64(k) // keys come in order: one layer after another
		if cur == nil || cur.v != v {
			cur = newLayer(v)
			s.ls = append(s.ls, cur)
		}
		if len(rec) < 2 || ix(rec[0]) >= numIx {
			return fmt.Errorf("%w: index log record %x", ErrCorrupt, k)
		}
		kl, n := binary.Uvarint(rec[1:])
		if n <= 0 || kl > uint64(len(rec)-1-n) {
			return fmt.Errorf("%w: index log record %x", ErrCorrupt, k)
		}
		key := rec[1+n : 1+n+int(kl)]
		cur.put(ix(rec[0]), key, bytes.Clone(rec[1+n+int(kl):]))
		return nil
	})
	for _, l := range s.ls {
		s.n += l.n
	}
	return s, err
}

// IndexStats describes the unmerged index log: the entries held in
// memory (and in index_log), and the merges done since Open.
type IndexStats struct {
	Entries int
	Merges  uint64
}

// IndexStats returns the index log's current state.
func (l *Ledger) IndexStats() IndexStats {
	return IndexStats{Entries: l.ix.cur.Load().n, Merges: l.ix.merges.Load()}
}
