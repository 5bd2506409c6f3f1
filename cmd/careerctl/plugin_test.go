package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/wasm"
)

// acceptModule is a minimal hand-assembled ABI v1 module whose evaluate
// always returns {"verdict":"accept","code":"wat"}.
const acceptModule = "0061736d0100000001130460000060017f017f60017f0060027f7f017e03050400010203050301000207390512636172656572636861696e5f6162695f7631000005616c6c6f63000104667265650002086576616c756174650003066d656d6f727902000a170402000b05004180200b02000b090042a180808080020b0b27010041100b217b2276657264696374223a22616363657074222c22636f6465223a22776174227d"

func writeFiles(t *testing.T) (module, tx string) {
	t.Helper()
	dir := t.TempDir()
	b, err := hex.DecodeString(acceptModule)
	if err != nil {
		t.Fatal(err)
	}
	module, tx = filepath.Join(dir, "accept.wasm"), filepath.Join(dir, "tx.json")
	if err := os.WriteFile(module, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tx, []byte(`{"type":"career.revoke","pow":0}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return module, tx
}

func TestPluginRun(t *testing.T) {
	module, tx := writeFiles(t)
	for _, args := range [][]string{
		{"run", module, "--tx", tx, "--no-cache", "--time", "1735689600"},
		{"run", "--tx", tx, "--no-cache", "--height", "5", module},
		{"run", module, "--tx", "-", "--no-cache", "--kind", "scorer", "--config", "x"},
	} {
		var out bytes.Buffer
		if err := pluginCommand(context.Background(), args, strings.NewReader(`{"type":"career.revoke"}`), &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var res wasm.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: output %q: %v", args, out.String(), err)
		}
		if res.Plugin != "accept" || res.Verdict != pbft.Accept || res.Code != "wat" || !strings.Contains(out.String(), `"sha256"`) {
			t.Errorf("%v: got %s", args, out.String())
		}
	}
}

func TestPluginRunErrors(t *testing.T) {
	module, tx := writeFiles(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type":"career.revoke","typo":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args  []string
		usage bool
		msg   string
	}{
		{nil, true, "subcommand run"},
		{[]string{"list"}, true, "subcommand run"},
		{[]string{"run", module}, true, "--tx"},
		{[]string{"run", "--tx", tx}, true, "MODULE"},
		{[]string{"run", module, "--bogus"}, true, "bogus"},
		{[]string{"run", module, "--tx", tx, "extra"}, true, "extra"},
		{[]string{"run", module, "--tx", bad, "--no-cache"}, false, "typo"},
		{[]string{"run", module, "--tx", tx, "--kind", "oracle", "--no-cache"}, false, "kind"},
		{[]string{"run", filepath.Join(t.TempDir(), "missing.wasm"), "--tx", tx}, false, "missing.wasm"},
	}
	for _, tt := range tests {
		err := pluginCommand(context.Background(), tt.args, strings.NewReader(""), new(bytes.Buffer))
		if err == nil || errors.Is(err, errUsage) != tt.usage || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: error %v, want usage=%v containing %q", tt.args, err, tt.usage, tt.msg)
		}
	}
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{nil, exitUsage, "no command"},
		{[]string{"--bogus", "status"}, exitUsage, "bogus"},
		{[]string{"get"}, exitUsage, "needs a TXID"},
		{[]string{"get", "xyz"}, exitUsage, "not a TxID"},
		{[]string{"careers", "cc1nope"}, exitUsage, "invalid address"},
		{[]string{"help"}, exitOK, ""},
	} {
		code, out, errOut := runCLI(t, nil, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d containing %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if tc.code == exitOK && !strings.Contains(out, "exit codes:") {
			t.Errorf("help does not document the exit codes:\n%s", out)
		}
	}
}
