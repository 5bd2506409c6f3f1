package msp

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
	"go.etcd.io/bbolt"
)

// inflight is the membership change being committed: written before it is
// first submitted, resubmitted as is until the chain's epoch reaches Epoch.
type inflight struct {
	Epoch   uint64   `json:"epoch"`
	TxID    string   `json:"txid"`
	Tx      []byte   `json:"tx"` // canonical transaction bytes
	Added   []uint64 `json:"added,omitempty"`
	Removed []uint64 `json:"removed,omitempty"`
	Reason  string   `json:"reason"`
}

var (
	bNodes = []byte("nodes")
	bJoins = []byte("joins")
	bAdmin = []byte("admin")
	bMeta  = []byte("meta")

	kNextID      = []byte("next_id")
	kAutoRemoved = []byte("auto_removed")
	kInflight    = []byte("inflight")
)

// store is the MSP's bbolt file. It holds what the chain does not: pending
// joins and standbys, last-seen times, replay sets and the change in flight.
// Safe for concurrent use (bbolt serialises writers).
type store struct{ db *bbolt.DB }

func openStore(path string) (*store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("msp: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bNodes, bJoins, bAdmin, bMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func getU64(b *bbolt.Bucket, k []byte) uint64 {
	if v := b.Get(k); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

func readNodes(tx *bbolt.Tx) ([]client.NodeRecord, error) {
	var out []client.NodeRecord
	err := tx.Bucket(bNodes).ForEach(func(k, v []byte) error {
		var r client.NodeRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%w: node %x: %w", ErrCorrupt, k, err)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func putNode(tx *bbolt.Tx, r *client.NodeRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(bNodes).Put(u64(r.ID), b)
}

// nodes returns every record, by ID.
func (s *store) nodes() ([]client.NodeRecord, error) {
	var out []client.NodeRecord
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = readNodes(tx)
		return err
	})
	return out, err
}

// update runs fn on every record and writes back those it changed.
func (s *store) update(fn func(recs []client.NodeRecord) []client.NodeRecord) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		recs, err := readNodes(tx)
		if err != nil {
			return err
		}
		for _, r := range fn(recs) {
			if err := putNode(tx, &r); err != nil {
				return err
			}
		}
		return nil
	})
}

// admit records an accepted join atomically: it refuses a replayed digest
// and keys in use by a node that is not removed, assigns the next ID (at
// least minID) and stores rec with that ID.
func (s *store) admit(rec client.NodeRecord, digest [32]byte, minID uint64) (client.NodeRecord, error) {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bJoins).Get(digest[:]); v != nil {
			return fmt.Errorf("%w: this join request was already accepted (node %d); sign a new one to retry", ErrReplay, binary.BigEndian.Uint64(v))
		}
		recs, err := readNodes(tx)
		if err != nil {
			return err
		}
		next := max(getU64(tx.Bucket(bMeta), kNextID), minID)
		for _, r := range recs {
			next = max(next, r.ID+1)
			if r.State == client.StateRemoved {
				continue
			}
			if r.SignKey == rec.SignKey || r.NetKey == rec.NetKey || r.SignKey == rec.NetKey || r.NetKey == rec.SignKey {
				return fmt.Errorf("%w: a key of this request is already used by node %d (%s)", ErrConflict, r.ID, r.State)
			}
		}
		rec.ID = next
		if err := tx.Bucket(bMeta).Put(kNextID, u64(next+1)); err != nil {
			return err
		}
		if err := tx.Bucket(bJoins).Put(digest[:], u64(rec.ID)); err != nil {
			return err
		}
		return putNode(tx, &rec)
	})
	return rec, err
}

// useAdminSig records an accepted admin signature; it refuses one seen
// before and forgets those older than the time window.
func (s *store) useAdminSig(key [32]byte, now time.Time) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bAdmin)
		if b.Get(key[:]) != nil {
			return fmt.Errorf("%w: this admin call was already made; sign it again", ErrReplay)
		}
		cutoff := uint64(now.Add(-3 * maxSkew).Unix())
		var old [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			if len(v) == 8 && binary.BigEndian.Uint64(v) < cutoff {
				old = append(old, k)
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return b.Put(key[:], u64(uint64(now.Unix())))
	})
}

func (s *store) getInflight() (*inflight, error) {
	var f *inflight
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bMeta).Get(kInflight)
		if v == nil {
			return nil
		}
		f = new(inflight)
		if err := json.Unmarshal(v, f); err != nil {
			return fmt.Errorf("%w: in-flight change: %w", ErrCorrupt, err)
		}
		return nil
	})
	return f, err
}

func (s *store) setInflight(f *inflight) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		if f == nil {
			return tx.Bucket(bMeta).Delete(kInflight)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(kInflight, b)
	})
}

// autoRemoved is the number of members removed automatically since the
// operator last confirmed.
func (s *store) autoRemoved() (n uint64) {
	_ = s.db.View(func(tx *bbolt.Tx) error { n = getU64(tx.Bucket(bMeta), kAutoRemoved); return nil })
	return n
}

func (s *store) setAutoRemoved(n uint64) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bMeta).Put(kAutoRemoved, u64(n)) })
}
