package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"go.etcd.io/bbolt"

	"github.com/careerchain/careerchain/pbft"
)

// Every value in every bucket but meta is stored sealed: a CRC-32C of the
// record's key and value, big-endian, then the value. A read checks the
// seal before it decodes anything, so a flipped byte, a stray write or a
// zeroed page in a record is ErrCorrupt, never data. The key is covered
// so that a record whose key was damaged fails too. CRC-32C costs well
// under a microsecond for an index record and detects every error burst
// of up to 32 bits; the certified checks (a block's digest against its
// certificate, the chain digest links) run on blocks, where decoding
// dominates anyway.

var castagnoli = crc32.MakeTable(crc32.Castagnoli) // read-only after init

func recordSum(key, val []byte) uint32 {
	return crc32.Update(crc32.Update(0, castagnoli, key), castagnoli, val)
}

// seal returns the stored form of val under key.
func seal(key, val []byte) []byte {
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(val)), recordSum(key, val))
	return append(out, val...)
}

// unseal checks a stored record and returns its value (aliasing v).
func unseal(bucket, key, v []byte) ([]byte, error) {
	if len(v) < 4 || binary.BigEndian.Uint32(v) != recordSum(key, v[4:]) {
		return nil, fmt.Errorf("%w: record %x of bucket %s fails its checksum", ErrCorrupt, clipKey(key), bucket)
	}
	return v[4:], nil
}

func clipKey(k []byte) []byte {
	if len(k) > 16 {
		return k[:16]
	}
	return k
}

// putSealed stores val under key in b, sealed.
func putSealed(b *bbolt.Bucket, key, val []byte) error { return b.Put(key, seal(key, val)) }

// corrupt records damage found by a read that cannot return an error
// itself (TxLoc, Statement, ...): View and Update then fail with it.
func (t *Tx) corrupt(err error) {
	if t.err == nil {
		t.err = err
	}
}

// getSealed reads key from bucket name: nil if absent or damaged (then
// t.err is set and returned).
func (t *Tx) getSealed(name, key []byte) ([]byte, error) {
	v := t.tx.Bucket(name).Get(key)
	if v == nil {
		return nil, nil
	}
	p, err := unseal(name, key, v)
	if err != nil {
		t.corrupt(err)
		return nil, err
	}
	return p, nil
}

// chainDigest is pbft's chain digest after a block: H(previous || seq ||
// digest), which every replica computes on execution and checkpoints sign.
func chainDigest(prev pbft.Hash, seq uint64, d pbft.Hash) pbft.Hash {
	var buf [32 + 8 + 32]byte
	copy(buf[:32], prev[:])
	binary.BigEndian.PutUint64(buf[32:], seq)
	copy(buf[40:], d[:])
	return sha256.Sum256(buf[:])
}

// checkLink checks that block h follows block h-1 on the certified chain:
// its stored chain digest is the one its predecessor's and its own
// certified digest give.
func (t *Tx) checkLink(br *BlockRecord) error {
	var prev pbft.Hash
	if br.Height > 1 {
		p, err := t.Block(br.Height - 1)
		if err != nil {
			return err
		}
		prev = p.StateDigest
	}
	if chainDigest(prev, br.Height, br.Cert.Digest) != br.StateDigest {
		return fmt.Errorf("%w: block %d does not link to block %d (chain digest)", ErrCorrupt, br.Height, br.Height-1)
	}
	return nil
}

// scrub checks every sealed record of the file and the whole chain: each
// block against its certificate's digest and linked to its predecessor.
// It reads the whole file (Options.FullCheck).
func (t *Tx) scrub() error {
	for _, name := range allBuckets {
		if bytes.Equal(name, bMeta) {
			continue
		}
		if err := t.tx.Bucket(name).ForEach(func(k, v []byte) error {
			_, err := unseal(name, k, v)
			return err
		}); err != nil {
			return err
		}
	}
	var prev pbft.Hash
	for h := uint64(1); h <= t.Height(); h++ {
		br, err := t.Block(h)
		if err != nil {
			return err
		}
		if chainDigest(prev, h, br.Cert.Digest) != br.StateDigest {
			return fmt.Errorf("%w: block %d does not link to block %d (chain digest)", ErrCorrupt, h, h-1)
		}
		prev = br.StateDigest
	}
	return nil
}
