package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/wasm/wasmtest"
)

// TestBenchEndToEnd starts four replica processes, drives them for a few
// seconds with plugins off and on, and checks that the JSON result holds
// every figure the command promises (not their values: speed is not
// asserted).
func TestBenchEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts eight replica processes")
	}
	plugins := buildPlugins(t)
	dir := t.TempDir()
	// The replicas run a careerd built without -race: the race detector
	// would slow the Wasm plugins tenfold; the load generator, the
	// launcher and the statistics (this process) run under it.
	exe := filepath.Join(dir, "careerd")
	if b, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	out, svg := filepath.Join(dir, "bench.json"), filepath.Join(dir, "bench.svg")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	err := runBench(ctx, []string{"--replicas", "4", "--duration", "2s", "--txs", "200", "--plugins", "both",
		"--plugin-dir", plugins, "--data", filepath.Join(dir, "net"), "--base-port", "7650", "--out", out, "--svg", svg}, exe, &stdout, &stderr)
	if err != nil {
		t.Fatalf("bench: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("stdout:\n%s", stdout.String())
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res benchResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("result file: %v", err)
	}
	if res.Mode != "processes" || res.Replicas != 4 || len(res.Runs) != 2 || res.Runs[0].Plugins || !res.Runs[1].Plugins {
		t.Fatalf("result: mode %q, %d replicas, runs %d", res.Mode, res.Replicas, len(res.Runs))
	}
	for _, r := range res.Runs {
		if r.CeilingBefore.TxPerSec <= 0 || r.CeilingAfter.TxPerSec <= 0 || r.CeilingTxPerS <= 0 || r.CeilingBefore.Replicas != 4 {
			t.Errorf("plugins %v: ceiling %+v / %+v", r.Plugins, r.CeilingBefore, r.CeilingAfter)
		}
		if len(r.Points) != 1 {
			t.Fatalf("plugins %v: %d points, want 1", r.Plugins, len(r.Points))
		}
		p := r.Points[0]
		if p.Clients != 64 || p.Committed == 0 || p.TxPerSec <= 0 || p.P50ms <= 0 || p.P95ms < p.P50ms || p.P99ms < p.P95ms || p.OfCeiling <= 0 {
			t.Errorf("plugins %v: point %+v", r.Plugins, p)
		}
		if p.Rejected != 0 || len(p.Refusals) != 0 {
			t.Errorf("plugins %v: %d rejected, refusals %v: the benchmark transactions must all be accepted", r.Plugins, p.Rejected, p.Refusals)
		}
		if p.CPUPerTxUs <= 0 || p.CPUOfCeil <= 0 || p.Blocks == 0 || len(p.Replicas) != 4 {
			t.Errorf("plugins %v: CPU %v µs/tx, cpu-of-ceiling %v, %d blocks, %d replica stats", r.Plugins, p.CPUPerTxUs, p.CPUOfCeil, p.Blocks, len(p.Replicas))
		}
		for _, rp := range p.Replicas {
			if rp.PID == 0 || rp.CPUSec <= 0 || rp.RSSMiB <= 0 || rp.PeakRSSMB < rp.RSSMiB {
				t.Errorf("plugins %v: replica %+v", r.Plugins, rp)
			}
		}
	}
	if _, err := os.Stat(svg); err == nil {
		t.Error("an SVG was written without --sweep")
	}
	// Not a terminal: the progress is one line per point, no rewriting.
	if s := stderr.String(); strings.Contains(s, "\r") || !strings.Contains(s, "64 clients:") {
		t.Errorf("stderr progress: %q", s)
	}
}

// TestBenchRefusesBadFlags: a wrong flag value is a clear error before
// anything starts.
func TestBenchRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--plugins", "maybe"}, "want on, off or both"},
		{[]string{"--targets", "http://127.0.0.1:1"}, "--targets needs --data"},
		{[]string{"--replicas", "0"}, "want 1..100"},
		{[]string{"--plugins", "on", "--plugin-dir", t.TempDir()}, "no built plugins"},
	} {
		err := runBench(context.Background(), tc.args, "careerd", &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}

// buildPlugins builds the shipped plugins from source into a temporary
// directory (never a stale module left in plugins/build).
func buildPlugins(t *testing.T) string {
	t.Helper()
	mains, err := filepath.Glob(filepath.Join("..", "..", "plugins", "*", "main.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no plugin sources: %v", err)
	}
	dir := t.TempDir()
	for _, m := range mains {
		src := filepath.Dir(m)
		if _, err := wasmtest.Build(context.Background(), src, filepath.Join(dir, filepath.Base(src)+".wasm")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
