package wasmtest_test

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
	"github.com/careerchain/careerchain/wasm/wasmtest"
)

// acceptModule is a minimal hand-assembled ABI v1 module that always
// answers {"verdict":"accept","code":"wat"}.
const acceptModule = "0061736d0100000001130460000060017f017f60017f0060027f7f017e03050400010203050301000207390512636172656572636861696e5f6162695f7631000005616c6c6f63000104667265650002086576616c756174650003066d656d6f727902000a170402000b05004180200b02000b090042a180808080020b0b27010041100b217b2276657264696374223a22616363657074222c22636f6465223a22776174227d"

func TestPinLoadRun(t *testing.T) {
	mod, err := hex.DecodeString(acceptModule)
	if err != nil {
		t.Fatal(err)
	}
	ref := wasmtest.Pin("accept", wasm.KindValidator, "cfg", mod)
	if len(ref.SHA256) != 64 || ref.Config != "cfg" {
		t.Fatalf("Pin = %+v", ref)
	}
	h := wasmtest.NewHost(t, wasm.Options{PoolSize: 1}, []chain.PluginRef{ref}, [][]byte{mod})
	wasmtest.Run(t, h, "accept", []wasmtest.Case{
		{Name: "revoke", Input: wasm.Input{Tx: chain.Tx{Type: chain.TypeRevoke}}, Verdict: pbft.Accept, Code: "wat"},
		{Name: "any code", Input: wasm.Input{}, Verdict: pbft.Accept},
	})
}

func TestBuildFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\nfunc main() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module broken\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := wasmtest.Build(context.Background(), dir, filepath.Join(dir, "out.wasm"))
	if !errors.Is(err, wasmtest.ErrBuild) {
		t.Fatalf("Build of a broken plugin = %v, want ErrBuild", err)
	}
}

func TestBuildsSmallGuest(t *testing.T) {
	dir := t.TempDir()
	src := "package main\n\n//go:wasmexport careerchain_abi_v1\nfunc marker() {}\n\nfunc main() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module small\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mod, err := wasmtest.Build(context.Background(), dir, filepath.Join(dir, "out.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(mod) < 8 || string(mod[:4]) != "\x00asm" {
		t.Fatalf("Build returned %d bytes, not a Wasm module", len(mod))
	}
}
