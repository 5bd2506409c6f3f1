// Package gctune holds the process tuning of a Careerchain daemon, apart
// from the replica's code: the garbage collector's target that careerd sets
// for its process and that the cluster benchmarks use too, so that they
// measure a replica as careerd runs it.
package gctune

import (
	"os"
	"runtime/debug"
)

// Percent is the garbage collector's target (GOGC) for a daemon process.
// A replica's live heap is small (about 10 MiB with a million records,
// docs/BENCHMARKS.md) and its allocation rate high, so letting the heap
// grow to five times the live data before a collection costs tens of MB
// and saves about a tenth of the CPU per committed transaction.
const Percent = 400

// Apply sets Percent unless GOGC is in the environment (the operator's
// choice wins).
func Apply() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
	}
}
