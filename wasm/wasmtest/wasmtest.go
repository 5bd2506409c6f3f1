package wasmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
	"github.com/careerchain/careerchain/wasm/internal/gobuild"
)

// ErrBuild is returned when the plugin does not build.
var ErrBuild = gobuild.ErrBuild

// BuildFlags returns the flags plugins are built with: a WASI reactor, and
// no file paths or VCS stamps in the binary, so the same source and Go
// version give the same SHA-256 on every machine.
func BuildFlags() []string { return gobuild.Flags() }

// Build compiles the Go plugin (package main) in dir for GOOS=wasip1
// GOARCH=wasm into the file out and returns the module bytes. It runs the
// go command found on PATH.
func Build(ctx context.Context, dir, out string) ([]byte, error) {
	return gobuild.Build(ctx, dir, out)
}

// MustBuild is Build for tests: it builds into t.TempDir and fails the
// test on error.
func MustBuild(t testing.TB, dir string) []byte {
	t.Helper()
	mod, err := Build(context.Background(), dir, filepath.Join(t.TempDir(), filepath.Base(dir)+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// Pin returns the chain.PluginRef that pins module under name.
func Pin(name, kind, config string, module []byte) chain.PluginRef {
	sum := sha256.Sum256(module)
	return chain.PluginRef{Name: name, Version: "test", Kind: kind, SHA256: hex.EncodeToString(sum[:]), Config: config}
}

// NewHost returns a host with a compilation cache in a test temporary
// directory and loads each module under its ref; it is closed when the test
// ends.
func NewHost(t testing.TB, opts wasm.Options, refs []chain.PluginRef, modules [][]byte) *wasm.Host {
	t.Helper()
	ctx := context.Background()
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	h, err := wasm.NewHost(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close(ctx) })
	if len(refs) != len(modules) {
		t.Fatalf("wasmtest: %d refs for %d modules", len(refs), len(modules))
	}
	for i, ref := range refs {
		if err := h.Load(ctx, ref, modules[i]); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// Case is one sample transaction and the verdict and code expected for it.
type Case struct {
	Name    string
	Input   wasm.Input
	Verdict pbft.Verdict
	Code    string // checked when not empty
}

// Run evaluates every case with the plugin loaded as name and reports
// each mismatch as a test error.
func Run(t testing.TB, h *wasm.Host, name string, cases []Case) {
	t.Helper()
	for _, c := range cases {
		r := h.Evaluate(context.Background(), name, c.Input)
		if r.Verdict != c.Verdict || (c.Code != "" && r.Code != c.Code) {
			t.Errorf("%s: got %s/%s (%s), want %s/%s", c.Name, r.Verdict, r.Code, r.Reason, c.Verdict, c.Code)
		}
	}
}
