package gctune

import (
	"runtime/debug"
	"testing"
)

// TestApplyLeavesTheOperatorsGOGC: Apply sets Percent, unless GOGC is set.
func TestApplyLeavesTheOperatorsGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	t.Setenv("GOGC", "")
	Apply()
	if got := debug.SetGCPercent(100); got != Percent {
		t.Fatalf("GC percent %d after Apply, want %d", got, Percent)
	}
	t.Setenv("GOGC", "77")
	Apply()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GC percent %d after Apply with GOGC set, want it left at 100", got)
	}
}
