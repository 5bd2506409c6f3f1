package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// faulted stands in the tests' tables for a plugin's misbehaviour: a Reject
// with Fault set.
const faulted pbft.Verdict = -1

// outcome is r's verdict, or faulted: what the tables compare.
func outcome(r Result) pbft.Verdict {
	switch {
	case r.Fault && r.Verdict == pbft.Reject:
		return faulted
	case r.Fault:
		return -2 // a fault must be a reject
	}
	return r.Verdict
}

// Guest modules built once for the whole test binary by TestMain: the
// shipped plugins and the Go test guests under testdata.
var (
	modules  = map[string][]byte{}
	cacheDir string // compilation cache shared by the tests' hosts
)

var goGuests = map[string]string{
	"career-validator":    "../plugins/career-validator",
	"payment-sandbox":     "../plugins/payment-sandbox",
	"payment-kakaopay":    "../plugins/payment-kakaopay",
	"payment-card":        "../plugins/payment-card",
	"authenticity-scorer": "../plugins/authenticity-scorer",
	"hostile":             "testdata/hostile",
	"accept":              "testdata/accept",
	"fsguest":             "testdata/fsguest",
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "wasm-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	cacheDir = filepath.Join(tmp, "cache")
	if err := prepareGuests(tmp); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// prepareGuests builds the Go guests into dir and compiles them into
// cacheDir in a helper test binary built without the race detector
// (see package precompile).
func prepareGuests(dir string) error {
	args := []string{"test", "-count=1", "-run=^$", "./internal/precompile", "-args",
		"-precompile.cache", cacheDir, "-precompile.out", dir}
	for name, pkg := range goGuests {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			return err
		}
		args = append(args, name+"="+abs)
	}
	cmd := exec.Command("go", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build test guests: %w\n%s", err, out)
	}
	for name := range goGuests {
		b, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
		if err != nil {
			return err
		}
		modules[name] = b
	}
	return nil
}

// pin returns a reference pinning module.
func pin(name, kind, config string, module []byte) chain.PluginRef {
	sum := sha256.Sum256(module)
	return chain.PluginRef{Name: name, Version: "1", Kind: kind, SHA256: hex.EncodeToString(sum[:]), Config: config}
}

// newTestHost returns a host closed at the end of the test.
func newTestHost(t testing.TB, opts Options) *Host {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	h, err := NewHost(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return h
}

func mustLoad(t testing.TB, h *Host, ref chain.PluginRef, module []byte) {
	t.Helper()
	if err := h.Load(context.Background(), ref, module); err != nil {
		t.Fatal(err)
	}
}
