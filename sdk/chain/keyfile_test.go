package chain

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// keyFileVectors is the layout of testdata/keyfile.json, written by
// testdata/keyfile_gen.py with Python's hashlib and cryptography, an
// implementation independent of this package.
type keyFileVectors struct {
	Format string `json:"format"`
	Valid  []struct {
		Name       string          `json:"name"`
		Seed       string          `json:"seed"`
		Passphrase string          `json:"passphrase"`
		File       json.RawMessage `json:"file"`
	} `json:"valid"`
	Invalid []struct {
		Name       string          `json:"name"`
		Passphrase string          `json:"passphrase"`
		File       json.RawMessage `json:"file"`
		Error      string          `json:"error"` // "passphrase" or "format"
	} `json:"invalid"`
}

// TestKeyFileVectors checks that EncryptKey writes exactly the vectors'
// files from their seeds, salts and nonces, that DecryptKey opens them, and
// that it refuses each invalid one with the error class named.
func TestKeyFileVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/keyfile.json")
	if err != nil {
		t.Fatal(err)
	}
	var v keyFileVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, tc := range v.Valid {
		t.Run(tc.Name, func(t *testing.T) {
			w, err := DecryptKey(tc.File, tc.Passphrase)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(w.Seed()) != tc.Seed {
				t.Fatalf("seed %x, want %s", w.Seed(), tc.Seed)
			}
			kf, _ := ParseKeyFile(tc.File)
			salt, _ := hex.DecodeString(kf.KDF.Salt)
			nonce, _ := hex.DecodeString(kf.Cipher.Nonce)
			out, err := w.EncryptKey(tc.Passphrase, KeyFileOptions{Iterations: kf.KDF.Iterations, Salt: salt, Nonce: nonce})
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			json.Unmarshal(out, &got)
			json.Unmarshal(tc.File, &want)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if !bytes.Equal(gb, wb) {
				t.Fatalf("EncryptKey wrote\n%s\nwant\n%s", gb, wb)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := DecryptKey(tc.File, tc.Passphrase)
			want := map[string]error{"passphrase": ErrPassphrase, "format": ErrKeyFile}[tc.Error]
			if want == nil || !errors.Is(err, want) {
				t.Fatalf("got %v, want %s (%v)", err, tc.Error, want)
			}
		})
	}
}

func TestKeyFileRoundTrip(t *testing.T) {
	w, err := WalletFromSeed(testSeed("keyfile"))
	if err != nil {
		t.Fatal(err)
	}
	f1, err := w.EncryptKey("pass phrase", KeyFileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := w.EncryptKey("pass phrase", KeyFileOptions{})
	if bytes.Equal(f1, f2) {
		t.Fatal("two encryptions share salt and nonce")
	}
	kf, err := ParseKeyFile(f1)
	if err != nil || kf.Address != w.Address() || kf.KDF.Iterations != KeyFileIterations {
		t.Fatalf("ParseKeyFile: %+v %v", kf, err)
	}
	got, err := DecryptKey(f1, "pass phrase")
	if err != nil || got.Address() != w.Address() {
		t.Fatalf("DecryptKey: %v", err)
	}
	for _, tc := range []struct {
		name string
		o    KeyFileOptions
		pass string
		want error
	}{
		{"empty passphrase", KeyFileOptions{}, "", ErrPassphrase},
		{"weak derivation", KeyFileOptions{Iterations: 1000}, "x", ErrKeyFile},
		{"short salt", KeyFileOptions{Salt: make([]byte, 8)}, "x", ErrKeyFile},
	} {
		if _, err := w.EncryptKey(tc.pass, tc.o); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	for _, bad := range []string{"", "{}", `{"version":2}`, string(f1) + "{}", `{"version":1,"extra":1}`} {
		if _, err := ParseKeyFile([]byte(bad)); !errors.Is(err, ErrKeyFile) {
			t.Errorf("ParseKeyFile(%.30q): %v", bad, err)
		}
	}
}

func FuzzParseKeyFile(f *testing.F) {
	b, _ := os.ReadFile("testdata/keyfile.json")
	var v keyFileVectors
	json.Unmarshal(b, &v)
	for _, tc := range v.Valid {
		f.Add([]byte(tc.File))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		kf, err := ParseKeyFile(b)
		if err == nil && (kf.Version != KeyFileVersion || kf.KDF.Iterations < KeyFileIterations) {
			t.Fatalf("accepted %+v", kf)
		}
	})
}
