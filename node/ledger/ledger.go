package ledger

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// SchemaVersion is the version of the bucket layout and record encodings
// this package writes. Version 4 seals every record with a checksum of its
// key and value (checked on every read) and changed the certificate
// encoding (pbft certificates carry their epoch and a version byte), the
// hard state (the mute) and entry records (PreparedBlock, pre-prepares
// without a block). Older files are refused, not upgraded: their
// certificates lack the epoch their signatures now bind.
const SchemaVersion = 4

// Sentinel errors.
var (
	// ErrCorrupt reports a database file that cannot be trusted: not a
	// bbolt file, truncated, inconsistent, with a record that fails its
	// checksum or does not decode, or a block that does not match its
	// certificate or the chain.
	ErrCorrupt = errors.New("ledger: database is corrupted")
	// ErrNotFound reports a block, transaction or record that is not stored.
	ErrNotFound = errors.New("ledger: not found")
	// ErrMismatch reports a database that belongs to another chain or schema.
	ErrMismatch = errors.New("ledger: database belongs to another chain or schema version")
	// ErrOutOfOrder reports a block appended at the wrong height.
	ErrOutOfOrder = errors.New("ledger: block out of order")
	// ErrLocked reports a database held by another process.
	ErrLocked = errors.New("ledger: database is locked by another process")
)

var (
	bMeta       = []byte("meta")
	bBlocks     = []byte("blocks")
	bConsensus  = []byte("consensus")
	bEntries    = []byte("entries")
	bEntryBlks  = []byte("entry_blocks")
	bMembers    = []byte("members")
	bTxs        = []byte("txs")
	bAddrs      = []byte("addrs")
	bStatements = []byte("statements")
	bPayments   = []byte("payments")
	bRecords    = []byte("records")
	bState      = []byte("state")
	bIndexLog   = []byte("index_log")

	allBuckets = [][]byte{bMeta, bBlocks, bConsensus, bEntries, bEntryBlks, bMembers, bTxs, bAddrs, bStatements, bPayments, bRecords, bState, bIndexLog}

	kChainID     = []byte("chain_id")
	kGenesisHash = []byte("genesis_hash")
	kSchema      = []byte("schema")
	kHeight      = []byte("height")
	kHardState   = []byte("hardstate")
	kRunning     = []byte("running")
	kChainConfig = []byte("chainconfig")
)

// Options configures Open.
type Options struct {
	// Timeout bounds the wait for the file lock (default 2 s).
	Timeout time.Duration
	// NoSync skips fsync on commit: for benchmarks of everything but the
	// disk, never for a replica that must survive a crash.
	NoSync bool
	// FullCheck runs bbolt's page-level consistency check (tx.Check) at
	// open, checks the seal of every record and every block against its
	// certificate's digest and the chain. It reads the whole file; the
	// bounded checks always run.
	FullCheck bool

	// mergeEntries and mergeLayers override the index merge thresholds
	// (tests); mmapSize is bbolt's initial memory map size (tests that
	// hold a reader open while writing).
	mergeEntries, mergeLayers, mmapSize int
}

// Meta identifies the chain a database belongs to.
type Meta struct {
	ChainID     string
	GenesisHash [32]byte
	Schema      uint32
}

// Ledger is an open database. Its methods are safe for concurrent use:
// writers run one at a time, readers beside them.
type Ledger struct {
	db   *bbolt.DB
	ix   index
	once sync.Once
	err  error

	// wmu serialises Update whole: bbolt serialises the transactions,
	// but a merge's emptied layer set is published after its commit, and
	// a writer that began in between would build on the stale set.
	wmu    sync.Mutex
	failed error // set when a commit failed after publishing its index layer (under wmu)

	// hook, in tests, runs in Update once the index layers are published
	// ("published", before the commit) and once the commit is done
	// ("committed", before the merged layers are dropped).
	hook func(stage string)
}

// Open opens (creating if needed) the database at path and runs the
// bounded integrity checks. A fresh file gets empty buckets; call Init.
func Open(path string, o Options) (*Ledger, error) {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	if err := checkFileSize(path); err != nil {
		return nil, err
	}
	db, err := openBolt(path, o)
	if err != nil {
		return nil, err
	}
	l := &Ledger{db: db}
	l.ix.mergeEntries, l.ix.mergeLayers = cmp.Or(o.mergeEntries, defaultMergeEntries), cmp.Or(o.mergeLayers, defaultMergeLayers)
	if err := l.check(o.FullCheck); err != nil {
		db.Close()
		return nil, err
	}
	return l, nil
}

// openBolt opens the file; bbolt may panic on some malformed files, which
// is turned into ErrCorrupt. The file bbolt opened is then unlocked and
// closed: bbolt.Open does not return it, and a lock left behind (held by
// the file, or by the mapping bbolt may already have made) would make
// every later Open of the file in this process wait and fail.
func openBolt(path string, o Options) (db *bbolt.DB, err error) {
	var f *os.File
	defer func() {
		if r := recover(); r != nil {
			if f != nil {
				unlock(f)
				f.Close()
			}
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	open := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		var err error
		f, err = os.OpenFile(name, flag, perm)
		return f, err
	}
	db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: o.Timeout, NoSync: o.NoSync, FreelistType: bbolt.FreelistMapType, InitialMmapSize: o.mmapSize, OpenFile: open})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s (waited %v)", ErrLocked, path, o.Timeout)
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %w (restore the file from a backup or a peer, or move it away to resync)", ErrCorrupt, path, err)
	}
	return db, nil
}

// schemaError reports a database of another schema version.
func schemaError(s []byte) error {
	v := fmt.Sprintf("%x", s)
	if len(s) == 4 {
		v = fmt.Sprint(binary.BigEndian.Uint32(s))
	}
	return fmt.Errorf("%w: the file has schema version %s, this build reads %d (move the file away; the replica then fetches the chain from its peers)", ErrMismatch, v, SchemaVersion)
}

func (l *Ledger) check(full bool) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true)) // see View
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	err = l.db.Update(func(btx *bbolt.Tx) error {
		if btx.Bucket(bMeta) == nil {
			if firstKey(btx) != nil {
				return fmt.Errorf("%w: the meta bucket is missing", ErrCorrupt)
			}
			for _, name := range allBuckets {
				if _, err := btx.CreateBucket(name); err != nil {
					return fmt.Errorf("ledger: create bucket %s: %w", name, err)
				}
			}
			return nil
		}
		meta := btx.Bucket(bMeta)
		if s := meta.Get(kSchema); s != nil && (len(s) != 4 || binary.BigEndian.Uint32(s) != SchemaVersion) {
			return schemaError(s)
		}
		for _, name := range allBuckets {
			if btx.Bucket(name) == nil {
				return fmt.Errorf("%w: bucket %s is missing", ErrCorrupt, name)
			}
		}
		t := &Tx{tx: btx}
		if meta.Get(kChainID) == nil {
			if t.Height() != 0 || firstKeyOf(btx.Bucket(bBlocks)) != nil {
				return fmt.Errorf("%w: blocks without chain metadata", ErrCorrupt)
			}
			return nil // created but never initialised
		}
		if s := meta.Get(kSchema); len(s) != 4 || binary.BigEndian.Uint32(s) != SchemaVersion {
			return schemaError(s)
		}
		if full {
			if err := t.scrub(); err != nil {
				return err
			}
		}
		h := t.Height()
		k, _ := btx.Bucket(bBlocks).Cursor().Last()
		var last uint64
		if k != nil {
			if len(k) != 8 {
				return fmt.Errorf("%w: block key of %d bytes", ErrCorrupt, len(k))
			}
			last = binary.BigEndian.Uint64(k)
		}
		if last != h {
			return fmt.Errorf("%w: height is %d but the last block is %d", ErrCorrupt, h, last)
		}
		// What a replica starts from: the last block (checked against
		// its certificate's digest and linked to the one before), the
		// membership in force, the consensus state and entries, and the
		// chain configuration. Every other record is checked when read.
		if h > 0 {
			br, err := t.Block(h)
			if err != nil {
				return err
			}
			if err := t.checkLink(br); err != nil {
				return err
			}
		}
		if _, err := t.MembershipAt(h + 1); err != nil {
			return err
		}
		if _, err := t.HardState(); err != nil {
			return err
		}
		if _, err := t.Entries(); err != nil {
			return err
		}
		if _, err := t.getSealed(bState, kChainConfig); err != nil {
			return err
		}
		return t.err
	})
	if err != nil {
		return err
	}
	if full {
		// After the scrub, which reads every page under SetPanicOnFault:
		// bbolt's check runs on a goroutine of its own, where a fault
		// would end the process.
		if err := l.Check(); err != nil {
			return err
		}
	}
	return l.db.View(func(btx *bbolt.Tx) error {
		s, err := loadLog(btx)
		l.ix.cur.Store(s)
		return err
	})
}

func firstKey(btx *bbolt.Tx) []byte {
	k, _ := btx.Cursor().First()
	return k
}

func firstKeyOf(b *bbolt.Bucket) []byte {
	k, _ := b.Cursor().First()
	return k
}

// Close closes the database. It is idempotent.
func (l *Ledger) Close() error {
	l.once.Do(func() { l.err = l.db.Close() })
	return l.err
}

// Path returns the file's path.
func (l *Ledger) Path() string { return l.db.Path() }

// Update runs fn in one read-write transaction, committed (and fsynced)
// when fn returns nil and rolled back otherwise.
func (l *Ledger) Update(fn func(*Tx) error) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.failed != nil {
		return l.failed
	}
	var published bool
	var after *layers
	err := l.db.Update(func(btx *bbolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = l.damaged(r)
			}
		}()
		v := uint64(btx.ID())
		t := &Tx{tx: btx, ls: l.ix.cur.Load().visible(v), w: newLayer(v)}
		if err := fn(t); err != nil || t.err != nil {
			return cmp.Or(t.err, err)
		}
		published, after, err = l.flush(t)
		if err == nil && published && l.hook != nil {
			l.hook("published")
		}
		return err
	})
	if err == nil && published && l.hook != nil {
		l.hook("committed")
	}
	switch {
	case errors.Is(err, ErrCorrupt):
		l.failed = fmt.Errorf("ledger: damage found while writing; stop the replica: %w", err)
	case err != nil && published:
		// The layer set names a transaction id that may or may not have
		// committed; the next writer would reuse it. Refuse further writes.
		l.failed = fmt.Errorf("ledger: a commit failed; reopen the database: %w", err)
	case err == nil && after != nil:
		l.publish(after)
	}
	return err
}

// View runs fn in a read-only transaction. If a read in it found damage
// (a record failing its checksum, a page bbolt cannot read), View returns
// ErrCorrupt whatever fn returned: fn's answer may rest on the damage.
func (l *Ledger) View(fn func(*Tx) error) (err error) {
	l.ix.pub.RLock()
	btx, err := l.db.Begin(false)
	cur := l.ix.cur.Load()
	l.ix.pub.RUnlock()
	if err != nil {
		return err
	}
	defer btx.Rollback()
	// A damaged page can make bbolt panic, or read through a pointer it
	// took from the page: both become ErrCorrupt for this read.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = l.damaged(r)
		}
	}()
	t := &Tx{tx: btx, ls: cur.visible(uint64(btx.ID()))}
	err = fn(t)
	return cmp.Or(t.err, err)
}

// damaged turns a panic inside bbolt (a damaged page) into ErrCorrupt.
func (l *Ledger) damaged(r any) error {
	return fmt.Errorf("%w: %s: reading a page failed: %v", ErrCorrupt, l.db.Path(), r)
}

// Check runs bbolt's full consistency check and returns the first problem.
func (l *Ledger) Check() error {
	return l.db.View(func(tx *bbolt.Tx) error {
		var first error
		// Drained to the end: the check reads the transaction's pages on
		// its own goroutine until it closes the channel.
		for err := range tx.Check() {
			if first == nil {
				first = fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
		}
		return first
	})
}

// Initialized reports whether Init has run on this database.
func (l *Ledger) Initialized() bool {
	ok := false
	_ = l.View(func(t *Tx) error { ok = t.tx.Bucket(bMeta).Get(kChainID) != nil; return nil })
	return ok
}

// Init writes the chain's metadata, its genesis membership (in force from
// height 1) and its initial chain configuration. It fails if the database
// was initialised before.
func (l *Ledger) Init(m Meta, members *pbft.Membership, chainConfig []byte) error {
	return l.Update(func(t *Tx) error {
		meta := t.tx.Bucket(bMeta)
		if meta.Get(kChainID) != nil {
			return fmt.Errorf("ledger: already initialised")
		}
		var schema [4]byte
		binary.BigEndian.PutUint32(schema[:], SchemaVersion)
		if err := errors.Join(
			meta.Put(kChainID, []byte(m.ChainID)),
			meta.Put(kGenesisHash, m.GenesisHash[:]),
			meta.Put(kSchema, schema[:]),
			meta.Put(kHeight, u64(0)),
		); err != nil {
			return err
		}
		if err := t.PutMembership(1, members); err != nil {
			return err
		}
		return t.PutChainConfig(chainConfig)
	})
}

// VerifyLast checks the last block's certificate against the membership in
// force at its height, on the chain the file belongs to (every consensus
// signature binds the chain ID): the bounded proof that the tail of the file is a
// block the replicas really committed.
func (l *Ledger) VerifyLast(v pbft.Verifier) error {
	return l.View(func(t *Tx) error {
		h := t.Height()
		if h == 0 {
			return nil
		}
		meta, err := t.Meta()
		if err != nil {
			return err
		}
		chainID := meta.ChainID
		br, err := t.Block(h)
		if err != nil {
			return err
		}
		m, err := t.MembershipAt(h)
		if err != nil {
			return err
		}
		if br.Cert.Seq != h || br.Cert.Digest != br.Block.Digest(h) {
			return fmt.Errorf("%w: certificate of block %d is for another block", ErrCorrupt, h)
		}
		if err := br.Cert.Verify(chainID, m, v); err != nil {
			return fmt.Errorf("%w: block %d: %w", ErrCorrupt, h, err)
		}
		return nil
	})
}

// Tx is a ledger transaction: reads see one consistent snapshot; writes
// (only inside Update) commit together.
type Tx struct {
	tx  *bbolt.Tx
	ls  []*layer // the committed index layers of this snapshot, oldest first
	w   *layer   // this transaction's index writes (Update only)
	err error    // the first damage a read found (corrupt)
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Meta returns the chain's metadata.
func (t *Tx) Meta() (Meta, error) {
	b := t.tx.Bucket(bMeta)
	id, gh := b.Get(kChainID), b.Get(kGenesisHash)
	if id == nil || len(gh) != 32 {
		return Meta{}, fmt.Errorf("%w: chain metadata", ErrNotFound)
	}
	m := Meta{ChainID: string(id), Schema: SchemaVersion}
	copy(m.GenesisHash[:], gh)
	return m, nil
}

// Height returns the height of the last committed block (0: none).
func (t *Tx) Height() uint64 {
	v := t.tx.Bucket(bMeta).Get(kHeight)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// BlockRaw returns the stored bytes of the block at height h (see
// DecodeBlockRecord), their checksum verified. The slice is valid only
// inside the transaction.
func (t *Tx) BlockRaw(h uint64) ([]byte, error) {
	v, err := t.getSealed(bBlocks, u64(h))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: block %d fails its checksum", ErrCorrupt, h)
	case v == nil && h >= 1 && h <= t.Height():
		return nil, t.fail(fmt.Errorf("%w: block %d is missing below height %d", ErrCorrupt, h, t.Height()))
	case v == nil:
		return nil, fmt.Errorf("%w: block %d", ErrNotFound, h)
	}
	return v, nil
}

// Block returns the block at height h, checked: its record's checksum,
// its height, and its digest (Merkle root of its transactions included)
// against its commit certificate's.
func (t *Tx) Block(h uint64) (*BlockRecord, error) {
	v, err := t.BlockRaw(h)
	if err != nil {
		return nil, err
	}
	br, err := DecodeBlockRecord(v)
	if err != nil {
		return nil, t.fail(fmt.Errorf("block %d: %w", h, err))
	}
	if br.Height != h {
		return nil, t.fail(fmt.Errorf("%w: block stored at %d says it is %d", ErrCorrupt, h, br.Height))
	}
	if br.Cert.Seq != h || br.Cert.Digest != br.Block.Digest(h) {
		return nil, t.fail(fmt.Errorf("%w: block %d does not match its commit certificate", ErrCorrupt, h))
	}
	return br, nil
}

// fail records err as damage found (see corrupt) and returns it.
func (t *Tx) fail(err error) error {
	t.corrupt(err)
	return err
}

// AppendBlock stores the next block and moves the height to it.
func (t *Tx) AppendBlock(br *BlockRecord) error {
	if h := t.Height(); br.Height != h+1 {
		return fmt.Errorf("%w: appending %d at height %d", ErrOutOfOrder, br.Height, h)
	}
	if len(br.Results) != len(br.Block.Txs) {
		return fmt.Errorf("ledger: block %d has %d transactions and %d results", br.Height, len(br.Block.Txs), len(br.Results))
	}
	if err := putSealed(t.tx.Bucket(bBlocks), u64(br.Height), encodeBlockRecord(br)); err != nil {
		return err
	}
	return t.tx.Bucket(bMeta).Put(kHeight, u64(br.Height))
}

// StateDigest returns the chain digest after the last block (zero at genesis).
func (t *Tx) StateDigest() (pbft.Hash, error) {
	h := t.Height()
	if h == 0 {
		return pbft.Hash{}, nil
	}
	br, err := t.Block(h)
	if err != nil {
		return pbft.Hash{}, err
	}
	return br.StateDigest, nil
}

// HardState returns the persisted consensus hard state, or nil.
func (t *Tx) HardState() (*pbft.HardState, error) {
	v, err := t.getSealed(bConsensus, kHardState)
	if v == nil || err != nil {
		return nil, err
	}
	hs, err := DecodeHardState(v)
	if err != nil {
		return nil, t.fail(err)
	}
	return hs, nil
}

// PutHardState persists the consensus hard state.
func (t *Tx) PutHardState(hs *pbft.HardState) error {
	return putSealed(t.tx.Bucket(bConsensus), kHardState, EncodeHardState(hs))
}

// Running reports whether a replica started on this ledger and did not
// stop cleanly: SetRunning(true) without a later SetRunning(false).
func (t *Tx) Running() bool { return t.tx.Bucket(bConsensus).Get(kRunning) != nil }

// SetRunning records that a replica runs on this ledger (true), or that it
// stopped after persisting everything it had sent (false).
func (t *Tx) SetRunning(on bool) error {
	b := t.tx.Bucket(bConsensus)
	if on {
		return putSealed(b, kRunning, []byte{1})
	}
	return b.Delete(kRunning)
}

// Entries returns the persisted entry records in sequence order, their
// blocks attached.
func (t *Tx) Entries() ([]pbft.EntryRecord, error) {
	var out []pbft.EntryRecord
	err := t.tx.Bucket(bEntries).ForEach(func(k, v []byte) error {
		v, err := unseal(bEntries, k, v)
		if err != nil {
			return t.fail(err)
		}
		e, err := decodeEntry(v, t.entryBlock)
		if err != nil {
			return t.fail(err)
		}
		out = append(out, *e)
		return nil
	})
	return out, err
}

// PutEntry persists one entry record, replacing the previous one; a record
// that holds nothing (pbft: the core forgets that sequence number) deletes
// it and its blocks. An entry is rewritten at every phase (accepted,
// prepared, committed) and may name the same block twice (pre-prepare and
// PreparedBlock), so each block is stored once per (seq, digest) in its
// own bucket and the record keeps only the rest.
func (t *Tx) PutEntry(e *pbft.EntryRecord) error {
	if isEmptyEntry(e) {
		return t.deleteEntry(e.Seq)
	}
	rec, err := encodeEntry(e, t.stashBlock)
	if err != nil {
		return err
	}
	return putSealed(t.tx.Bucket(bEntries), u64(e.Seq), rec)
}

// deleteEntry deletes the record of seq and every block stored for it.
func (t *Tx) deleteEntry(seq uint64) error {
	if err := t.tx.Bucket(bEntries).Delete(u64(seq)); err != nil {
		return err
	}
	prefix := u64(seq)
	c := t.tx.Bucket(bEntryBlks).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

func entryBlockKey(seq uint64, d pbft.Hash) []byte { return append(u64(seq), d[:]...) }

// stashBlock stores block b of digest d at seq, once.
func (t *Tx) stashBlock(seq uint64, d pbft.Hash, b *pbft.Block) error {
	bk, key := t.tx.Bucket(bEntryBlks), entryBlockKey(seq, d)
	if bk.Get(key) != nil {
		return nil
	}
	return putSealed(bk, key, pbft.EncodeBlock(b))
}

// entryBlock returns the block stored under (seq, d); decodeEntry checks
// it against d.
func (t *Tx) entryBlock(seq uint64, d pbft.Hash) (*pbft.Block, error) {
	v, err := t.getSealed(bEntryBlks, entryBlockKey(seq, d))
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, t.fail(fmt.Errorf("%w: the block %s of the entry for %d is missing", ErrCorrupt, d.Short(), seq))
	}
	blk, err := pbft.DecodeBlock(bytes.Clone(v))
	if err != nil {
		return nil, t.fail(fmt.Errorf("%w: the block %s of the entry for %d: %w", ErrCorrupt, d.Short(), seq, err))
	}
	return blk, nil
}

// PruneEntries deletes entry records, and their blocks, at or below seq.
func (t *Tx) PruneEntries(seq uint64) error {
	for _, name := range [][]byte{bEntries, bEntryBlks} {
		c := t.tx.Bucket(name).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k[:8]) <= seq; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	return nil
}

// MembershipAt returns the membership in force at height h.
func (t *Tx) MembershipAt(h uint64) (*pbft.Membership, error) {
	c := t.tx.Bucket(bMembers).Cursor()
	k, v := c.Seek(u64(h))
	if k == nil || binary.BigEndian.Uint64(k) > h {
		k, v = c.Prev()
	}
	if k == nil {
		if t.tx.Bucket(bMeta).Get(kChainID) == nil {
			return nil, fmt.Errorf("%w: membership (database not initialised)", ErrNotFound)
		}
		return nil, t.fail(fmt.Errorf("%w: no membership in force at height %d", ErrCorrupt, h))
	}
	v, err := unseal(bMembers, k, v)
	if err != nil {
		return nil, t.fail(err)
	}
	m, err := pbft.DecodeMembership(v)
	if err != nil {
		return nil, t.fail(fmt.Errorf("%w: membership from %d: %w", ErrCorrupt, binary.BigEndian.Uint64(k), err))
	}
	return m, nil
}

// PutMembership records that m is in force from height from on.
func (t *Tx) PutMembership(from uint64, m *pbft.Membership) error {
	return putSealed(t.tx.Bucket(bMembers), u64(from), pbft.EncodeMembership(m))
}

// ChainConfig returns the stored chain configuration (a copy); nil if it
// is damaged (the transaction then fails with ErrCorrupt).
func (t *Tx) ChainConfig() []byte {
	v, _ := t.getSealed(bState, kChainConfig)
	return bytes.Clone(v)
}

// PutChainConfig replaces the chain configuration.
func (t *Tx) PutChainConfig(b []byte) error {
	return putSealed(t.tx.Bucket(bState), kChainConfig, b)
}

// Loc is where a transaction sits on chain and how it executed.
type Loc struct {
	Height uint64
	Index  uint32
	Code   Code
}

// TxLoc returns the location of a transaction by its raw TxID.
func (t *Tx) TxLoc(id [32]byte) (Loc, bool) {
	v := t.get(ixTxs, id[:])
	if len(v) != 13 {
		return Loc{}, false
	}
	return Loc{Height: binary.BigEndian.Uint64(v), Index: binary.BigEndian.Uint32(v[8:]), Code: Code(v[12])}, true
}

// PutTx indexes a transaction. The first occurrence of a TxID wins: a
// replayed copy in a later block does not move the index.
func (t *Tx) PutTx(id [32]byte, loc Loc) error {
	if t.get(ixTxs, id[:]) != nil {
		return nil
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 13), loc.Height)
	v = binary.BigEndian.AppendUint32(v, loc.Index)
	return t.put(ixTxs, id[:], append(v, byte(loc.Code)))
}

// AddrEntry is one transaction in an address's listing. Kind is a small
// tag the executor chose (the transaction's type), so a listing needs no
// block reads.
type AddrEntry struct {
	TxID   [32]byte
	Height uint64
	Index  uint32
	Kind   byte
}

func addrKey(addr string, h uint64, i uint32) []byte {
	k := make([]byte, 0, 1+len(addr)+12)
	k = append(k, byte(len(addr)))
	k = append(k, addr...)
	k = binary.BigEndian.AppendUint64(k, h)
	return binary.BigEndian.AppendUint32(k, i)
}

// decodeAddrEntry splits an addrs key and value; the address is k[1:p].
func decodeAddrEntry(k, v []byte) (p int, e AddrEntry, ok bool) {
	if len(k) < 1 || len(k) != 1+int(k[0])+12 || len(v) != 33 {
		return 0, e, false
	}
	p = 1 + int(k[0])
	e = AddrEntry{Height: binary.BigEndian.Uint64(k[p:]), Index: binary.BigEndian.Uint32(k[p+8:]), Kind: v[32]}
	copy(e.TxID[:], v)
	return p, e, true
}

// AddAddress lists a transaction under an address.
func (t *Tx) AddAddress(addr string, id [32]byte, h uint64, i uint32, kind byte) error {
	if len(addr) == 0 || len(addr) > 255 {
		return fmt.Errorf("ledger: address of %d bytes", len(addr))
	}
	return t.put(ixAddrs, addrKey(addr, h, i), append(id[:], kind))
}

// AddressTxs lists up to limit transactions of addr in chain order,
// starting after position (afterH, afterI) when after is true. It reads
// only that address's key range and the unmerged index layers' entries
// for it, which all lie later in the chain. more reports whether entries
// remain.
func (t *Tx) AddressTxs(addr string, after bool, afterH uint64, afterI uint32, limit int) (out []AddrEntry, more bool) {
	if len(addr) == 0 || len(addr) > 255 || limit <= 0 {
		return nil, false
	}
	// emit takes the next entry in chain order; false: the page is full.
	emit := func(e AddrEntry) bool {
		if after && (e.Height < afterH || e.Height == afterH && e.Index <= afterI) {
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, e)
		return true
	}
	prefix := addrKey(addr, 0, 0)[:1+len(addr)]
	start := prefix
	if after {
		start = addrKey(addr, afterH, afterI)
	}
	c := t.tx.Bucket(bAddrs).Cursor()
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		v, err := unseal(bAddrs, k, v)
		if err != nil {
			t.corrupt(err)
			return nil, false
		}
		if _, e, ok := decodeAddrEntry(k, v); ok && !emit(e) {
			return out, true
		}
	}
	ls := t.ls
	if t.w != nil {
		ls = append(slices.Clip(ls), t.w)
	}
	for _, l := range ls {
		for _, e := range l.addrs[addr] {
			if !emit(e) {
				return out, true
			}
		}
	}
	return out, false
}

// Statement returns the TxID that put a statement digest on chain.
func (t *Tx) Statement(digest [32]byte) ([32]byte, bool) {
	return as32(t.get(ixStatements, digest[:]))
}

// PutStatement records a statement digest as used by TxID id.
func (t *Tx) PutStatement(digest, id [32]byte) error {
	return t.put(ixStatements, digest[:], id[:])
}

func paymentKey(issuer, paymentID string) []byte {
	k := make([]byte, 0, 1+len(issuer)+len(paymentID))
	k = append(k, byte(len(issuer)))
	k = append(k, issuer...)
	return append(k, paymentID...)
}

// Payment returns the TxID that used a payment id of an issuer.
func (t *Tx) Payment(issuer, paymentID string) ([32]byte, bool) {
	if len(issuer) > 255 {
		return [32]byte{}, false
	}
	return as32(t.get(ixPayments, paymentKey(issuer, paymentID)))
}

// PutPayment records a payment id as used by TxID id.
func (t *Tx) PutPayment(issuer, paymentID string, id [32]byte) error {
	if len(issuer) > 255 {
		return fmt.Errorf("ledger: issuer of %d bytes", len(issuer))
	}
	return t.put(ixPayments, paymentKey(issuer, paymentID), id[:])
}

// Record returns the state of a career record.
func (t *Tx) Record(id [32]byte) (*Record, error) {
	v := t.get(ixRecords, id[:])
	if v == nil {
		return nil, fmt.Errorf("%w: record %x", ErrNotFound, id[:8])
	}
	return decodeRecord(v)
}

// PutRecord stores the state of a career record.
func (t *Tx) PutRecord(id [32]byte, r *Record) error {
	return t.put(ixRecords, id[:], encodeRecord(r))
}

func as32(v []byte) ([32]byte, bool) {
	var out [32]byte
	if len(v) != 32 {
		return out, false
	}
	copy(out[:], v)
	return out, true
}

// Proof returns the block holding a transaction, its index, and the RFC
// 6962 audit path from the transaction to Block.TxRoot (leaves are the
// SHA-256 of each raw transaction, i.e. the TxIDs).
func (t *Tx) Proof(id [32]byte) (*BlockRecord, int, []chain.ProofStep, error) {
	loc, ok := t.TxLoc(id)
	if !ok {
		return nil, 0, nil, fmt.Errorf("%w: transaction %x", ErrNotFound, id[:8])
	}
	br, err := t.Block(loc.Height)
	if err != nil {
		return nil, 0, nil, err
	}
	i := int(loc.Index)
	if i >= len(br.Block.Txs) {
		return nil, 0, nil, fmt.Errorf("%w: index %d beyond block %d", ErrCorrupt, i, loc.Height)
	}
	leaves := make([][]byte, len(br.Block.Txs))
	for j, tx := range br.Block.Txs {
		h := sha256.Sum256(tx)
		leaves[j] = h[:]
	}
	return br, i, chain.MerkleProof(leaves, i), nil
}
