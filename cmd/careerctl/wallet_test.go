package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// TestWalletCommands runs new, show, export and import through each other:
// one wallet, the same address throughout, under each passphrase.
func TestWalletCommands(t *testing.T) {
	dir := t.TempDir()
	pass := writeFile(t, dir, "pass", "correct horse battery staple\n")
	pass2 := writeFile(t, dir, "pass2", "another long passphrase")
	me := filepath.Join(dir, "me.json")

	code, out, errOut := runCLI(t, nil, "wallet", "new", "--out", me, "--passphrase-file", pass, "--json")
	if code != exitOK {
		t.Fatalf("wallet new: %d %s", code, errOut)
	}
	var made struct{ Address, File string }
	if err := json.Unmarshal([]byte(out), &made); err != nil || !strings.HasPrefix(made.Address, "cc1") {
		t.Fatalf("wallet new --json: %q %v", out, err)
	}
	if fi, err := os.Stat(me); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if code, _, errOut := runCLI(t, nil, "wallet", "new", "--out", me, "--passphrase-file", pass); code != exitUsage || !strings.Contains(errOut, "never overwrites") {
		t.Fatalf("wallet new over an existing file: %d %s", code, errOut)
	}
	if code, out, _ := runCLI(t, nil, "wallet", "show", "--key", me); code != exitOK || !strings.Contains(out, made.Address) || !strings.Contains(out, "encrypted") {
		t.Fatalf("wallet show: %d %s", code, out)
	}

	// The raw seed out, and back in under another passphrase.
	code, seed, errOut := runCLI(t, nil, "wallet", "export", "--key", me, "--key-passphrase-file", pass, "--seed")
	if code != exitOK || len(strings.TrimSpace(seed)) != 64 || !strings.Contains(errOut, "secret") {
		t.Fatalf("wallet export --seed: %d %q %s", code, seed, errOut)
	}
	me2 := filepath.Join(dir, "me2.json")
	if code, out, errOut := runCLI(t, strings.NewReader(seed), "wallet", "import", "--from", "-", "--out", me2, "--passphrase-file", pass2); code != exitOK || !strings.Contains(out, made.Address) {
		t.Fatalf("wallet import of the seed: %d %s %s", code, out, errOut)
	}
	// Export it (under pass2, so the import used it) as a key file to
	// stdout; import a key file.
	code, kf, errOut := runCLI(t, nil, "wallet", "export", "--key", me2, "--key-passphrase-file", pass2, "--passphrase-file", pass)
	if code != exitOK {
		t.Fatalf("wallet export: %d %s", code, errOut)
	}
	if w, err := chain.DecryptKey([]byte(kf), "correct horse battery staple"); err != nil || w.Address() != made.Address {
		t.Fatalf("the exported key file: %v", err)
	}
	if code, _, errOut := runCLI(t, nil, "wallet", "import", "--from", me, "--from-passphrase-file", pass, "--out", filepath.Join(dir, "me3.json"), "--passphrase-file", pass); code != exitOK {
		t.Fatalf("wallet import of a key file: %d %s", code, errOut)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"wrong passphrase", []string{"wallet", "export", "--key", me, "--key-passphrase-file", pass2, "--seed"}, exitInvalid, "wrong passphrase"},
		{"no terminal", []string{"wallet", "export", "--key", me, "--seed"}, exitUsage, "--passphrase-file"},
		{"short passphrase", []string{"wallet", "new", "--out", filepath.Join(dir, "x.json"), "--passphrase-file", writeFile(t, dir, "short", "abc")}, exitUsage, "fewer than 8"},
		{"missing key file", []string{"wallet", "show", "--key", filepath.Join(dir, "none.json")}, exitNotFound, "no such file"},
		{"not a key", []string{"wallet", "show", "--key", pass}, exitInvalid, "not a key file"},
		{"64-byte key with a wrong half", []string{"wallet", "import", "--from", writeFile(t, dir, "bad", strings.Repeat("ab", 64)), "--out", filepath.Join(dir, "y.json"), "--passphrase-file", pass}, exitInvalid, "public half"},
		{"unknown subcommand", []string{"wallet", "burn"}, exitUsage, "unknown wallet command"},
	} {
		if code, _, errOut := runCLI(t, nil, tc.args...); code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%s: exit %d, %q; want %d containing %q", tc.name, code, errOut, tc.code, tc.msg)
		}
	}
}

// TestMineProgress stamps a transaction at a small difficulty through the
// command's miner and checks the stamp.
func TestMineProgress(t *testing.T) {
	w, _ := chain.WalletFromSeed(make([]byte, 32))
	tx := chain.NewCareerTx(chain.NewStatement(w, "c", 1, chain.Claim{Role: "r", Organisation: "o", Start: "2020-01-01"}), "", chain.Receipt{}, chain.Attestation{})
	var errOut strings.Builder
	e := &env{stderr: &errOut}
	if err := e.mine(context.Background(), tx, 10); err != nil {
		t.Fatal(err)
	}
	if err := chain.CheckPoW(tx, 10); err != nil || !strings.Contains(errOut.String(), "found in") {
		t.Fatalf("stamp %d: %v; progress %q", tx.PoW, err, errOut.String())
	}
}
