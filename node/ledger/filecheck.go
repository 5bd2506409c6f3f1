package ledger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
)

// checkFileSize refuses a bbolt file shorter than its own meta page says it
// is. bbolt maps the file into memory; reading a page past the end of a
// truncated file faults the process (SIGBUS or SIGSEGV), which no recover
// can catch, so a truncated file must be refused before bbolt opens it.
//
// Layout read (bbolt's on-disk format, version 2): each of the first two
// pages holds a 16-byte page header and a meta: magic, version, page size,
// flags (4 bytes each), root bucket (16), freelist page id, high-water page
// id, txid, and an FNV-64a checksum of the preceding 56 bytes.
func checkFileSize(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return nil // a new file
	}
	type meta struct {
		ok        bool
		pageSize  uint32
		hwm, txid uint64
	}
	read := func(off int64) meta {
		var b [16 + 64]byte
		if _, err := f.ReadAt(b[:], off); err != nil && !errors.Is(err, io.EOF) {
			return meta{}
		}
		m := b[16:]
		h := fnv.New64a()
		h.Write(m[:56])
		if binary.LittleEndian.Uint32(m[0:]) != 0xED0CDAED || binary.LittleEndian.Uint32(m[4:]) != 2 ||
			binary.LittleEndian.Uint64(m[56:]) != h.Sum64() {
			return meta{}
		}
		return meta{ok: true, pageSize: binary.LittleEndian.Uint32(m[8:]), hwm: binary.LittleEndian.Uint64(m[40:]), txid: binary.LittleEndian.Uint64(m[48:])}
	}
	m0 := read(0)
	var m1 meta
	if m0.ok {
		m1 = read(int64(m0.pageSize))
	} else {
		for _, ps := range []int64{4096, 8192, 16384, 65536} {
			if m1 = read(ps); m1.ok {
				break
			}
		}
	}
	best := m0
	if m1.ok && (!m0.ok || m1.txid > m0.txid) {
		best = m1
	}
	if !best.ok {
		return fmt.Errorf("%w: %s: no valid meta page (not a bbolt file, or both meta pages damaged)", ErrCorrupt, path)
	}
	if best.pageSize < 512 || best.pageSize > 1<<20 {
		return fmt.Errorf("%w: %s: page size %d", ErrCorrupt, path, best.pageSize)
	}
	if need := int64(best.hwm) * int64(best.pageSize); best.hwm > 1<<40 || size < need {
		return fmt.Errorf("%w: %s is truncated: %d bytes, its meta page needs %d (restore it from a backup, or move it away and let the replica resync from its peers)", ErrCorrupt, path, size, need)
	}
	return nil
}
