//go:build unix

package ledger

import (
	"os"
	"syscall"
)

// unlock releases bbolt's lock on f. Closing f alone is not enough when
// bbolt had already mapped the file: the mapping keeps the open file, and
// with it the lock, alive until it is unmapped.
func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
