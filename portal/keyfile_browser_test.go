package portal

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// TestKeyFileJSInBrowser runs web/static/keyfile.js in headless Chromium
// against sdk/chain/testdata/keyfile.json: it opens every valid vector and
// reseals it byte for byte as Go's EncryptKey does, refuses every invalid
// one for the vector's reason, and makes a fresh key file that Go opens.
func TestKeyFileJSInBrowser(t *testing.T) {
	vectorsPath := filepath.Join("..", "sdk", "chain", "testdata", "keyfile.json")
	text := runJSInBrowser(t, "keyfile_test.js", "keyfile.js",
		map[string]string{"/vectors.json": vectorsPath}, nil)
	var out struct {
		Valid []struct {
			Name, Seed, Address, File string
		}
		Invalid []struct{ Name, Kind string }
		Fresh   struct{ Seed, File, Message, Sig string }
		Errors  []string
	}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("results: %v\n%s", err, text)
	}
	if len(out.Errors) > 0 {
		t.Fatalf("the script failed: %v", out.Errors)
	}
	raw, _ := os.ReadFile(vectorsPath)
	var vectors struct {
		Valid []struct {
			Name, Seed, Passphrase string
			File                   chain.KeyFile
		}
		Invalid []struct {
			Name, Passphrase, Error string
		}
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(out.Valid) != len(vectors.Valid) || len(out.Invalid) != len(vectors.Invalid) || len(out.Valid) == 0 {
		t.Fatalf("ran %d valid and %d invalid vectors of %d and %d", len(out.Valid), len(out.Invalid), len(vectors.Valid), len(vectors.Invalid))
	}
	for i, v := range vectors.Valid {
		got := out.Valid[i]
		if got.Seed != v.Seed || got.Address != v.File.Address {
			t.Errorf("%s: JS opened seed %s address %s, want %s %s", v.Name, got.Seed, got.Address, v.Seed, v.File.Address)
		}
		seed, _ := hex.DecodeString(v.Seed)
		w, _ := chain.WalletFromSeed(seed)
		salt, _ := hex.DecodeString(v.File.KDF.Salt)
		nonce, _ := hex.DecodeString(v.File.Cipher.Nonce)
		want, err := w.EncryptKey(v.Passphrase, chain.KeyFileOptions{Iterations: v.File.KDF.Iterations, Salt: salt, Nonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		if got.File != string(want) {
			t.Errorf("%s: JS sealed\n%s\nGo seals\n%s", v.Name, got.File, want)
		}
	}
	for i, v := range vectors.Invalid {
		if out.Invalid[i].Kind != v.Error {
			t.Errorf("%s: JS says %q, want %q", v.Name, out.Invalid[i].Kind, v.Error)
		}
	}
	// A key file made in the browser opens in Go with its passphrase, and
	// the browser's signature verifies.
	w, err := chain.DecryptKey([]byte(out.Fresh.File), "fresh passphrase 한글")
	if err != nil {
		t.Fatalf("Go cannot open the browser's key file: %v\n%s", err, out.Fresh.File)
	}
	if hex.EncodeToString(w.Seed()) != out.Fresh.Seed || !strings.Contains(out.Fresh.File, `"iterations": 600000`) {
		t.Errorf("fresh key file: seed %x, JS %s", w.Seed(), out.Fresh.Seed)
	}
	sig, _ := hex.DecodeString(out.Fresh.Sig)
	if !ed25519.Verify(w.PublicKey(), []byte(out.Fresh.Message), sig) {
		t.Error("the browser's Ed25519 signature does not verify in Go")
	}
}
