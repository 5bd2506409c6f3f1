//go:build !unix

package ledger

import "os"

// unlock is a no-op where bbolt's lock goes with the file's handle.
func unlock(*os.File) {}
