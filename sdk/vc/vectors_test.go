package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/mr-tron/base58"
)

func vector(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "w3c", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func vectorText(t *testing.T, name string) string {
	return strings.TrimSpace(string(vector(t, name)))
}

// w3cKey returns the vectors' key pair (keyPair.json): the private key is
// multibase of the multicodec ed25519-priv prefix 0x80 0x26 and the seed.
func w3cKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	var kp struct{ PublicKeyMultibase, PrivateKeyMultibase string }
	if err := json.Unmarshal(vector(t, "keyPair.json"), &kp); err != nil {
		t.Fatal(err)
	}
	raw, err := base58.Decode(strings.TrimPrefix(kp.PrivateKeyMultibase, "z"))
	if err != nil || len(raw) != 34 || raw[0] != 0x80 || raw[1] != 0x26 {
		t.Fatalf("private key multibase: %x %v", raw, err)
	}
	priv := ed25519.NewKeyFromSeed(raw[2:])
	if got := Multibase(priv.Public().(ed25519.PublicKey)); got != kp.PublicKeyMultibase {
		t.Fatalf("public key multibase %s, the vectors say %s", got, kp.PublicKeyMultibase)
	}
	return priv
}

// TestW3CVectors reproduces the W3C eddsa-jcs-2022 test vectors: the
// canonical document and proof configuration, both hashes, their
// combination (configuration hash first), the signature in hex and
// base58btc, and the signed credential; and verifies the signed one.
func TestW3CVectors(t *testing.T) {
	const dir = "eddsa-jcs-2022/"
	priv := w3cKey(t)
	unsigned := vector(t, "unsigned.json")
	config := vector(t, dir+"proofConfigJCS.json")

	canonDoc, err := jcs.Transform(unsigned)
	if err != nil || string(canonDoc) != vectorText(t, dir+"canonDocJCS.txt") {
		t.Fatalf("canonical document:\n%s\nwant\n%s (%v)", canonDoc, vectorText(t, dir+"canonDocJCS.txt"), err)
	}
	canonCfg, err := jcs.Transform(config)
	if err != nil || string(canonCfg) != vectorText(t, dir+"proofCanonJCS.txt") {
		t.Fatalf("canonical proof configuration:\n%s\nwant\n%s (%v)", canonCfg, vectorText(t, dir+"proofCanonJCS.txt"), err)
	}
	ch, dh, err := Hashes(unsigned, config)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(dh[:]); got != vectorText(t, dir+"docHashJCS.txt") {
		t.Errorf("document hash %s, want %s", got, vectorText(t, dir+"docHashJCS.txt"))
	}
	if got := hex.EncodeToString(ch[:]); got != vectorText(t, dir+"proofHashJCS.txt") {
		t.Errorf("proof configuration hash %s, want %s", got, vectorText(t, dir+"proofHashJCS.txt"))
	}
	hd, _ := hashData(unsigned, config)
	if got := hex.EncodeToString(hd); got != vectorText(t, dir+"combinedHashJCS.txt") {
		t.Errorf("combined hash %s, want %s (configuration hash first)", got, vectorText(t, dir+"combinedHashJCS.txt"))
	}
	sig := ed25519.Sign(priv, hd)
	if got := hex.EncodeToString(sig); got != vectorText(t, dir+"sigHexJCS.txt") {
		t.Errorf("signature %s, want %s", got, vectorText(t, dir+"sigHexJCS.txt"))
	}
	if got := "z" + base58.Encode(sig); got != vectorText(t, dir+"sigBTC58JCS.txt") {
		t.Errorf("proofValue %s, want %s", got, vectorText(t, dir+"sigBTC58JCS.txt"))
	}

	created, _ := time.Parse(time.RFC3339, "2023-02-24T23:36:38Z")
	signed, err := Sign(unsigned, priv, created)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := jcs.Transform(vector(t, dir+"signedJCS.json"))
	got, _ := jcs.Transform(signed)
	if !bytes.Equal(got, want) {
		t.Errorf("Sign made\n%s\nthe vectors' signed credential is\n%s", got, want)
	}
	pub, err := VerifyProof(vector(t, dir+"signedJCS.json"))
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("the vectors' signed credential: key %x, %v", pub, err)
	}
}

// TestVerifyProofRefusesTampering changes one thing at a time in the
// vectors' signed credential.
func TestVerifyProofRefusesTampering(t *testing.T) {
	signed := vector(t, "eddsa-jcs-2022/signedJCS.json")
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	for name, mod := range map[string]func(m map[string]any){
		"subject changed":     func(m map[string]any) { m["credentialSubject"].(map[string]any)["alumniOf"] = "Another School" },
		"member added":        func(m map[string]any) { m["extra"] = true },
		"validFrom changed":   func(m map[string]any) { m["validFrom"] = "2024-01-01T00:00:00Z" },
		"context reordered":   func(m map[string]any) { c := m["@context"].([]any); c[0], c[1] = c[1], c[0] },
		"proof created moved": func(m map[string]any) { m["proof"].(map[string]any)["created"] = "2023-02-25T00:00:00Z" },
		"another key named": func(m map[string]any) {
			m["proof"].(map[string]any)["verificationMethod"] = VerificationMethod(other.Public().(ed25519.PublicKey))
		},
		"fragment not the key": func(m map[string]any) {
			p := m["proof"].(map[string]any)
			p["verificationMethod"] = DIDKey(other.Public().(ed25519.PublicKey)) + "#z6Mkx"
		},
		"other cryptosuite": func(m map[string]any) { m["proof"].(map[string]any)["cryptosuite"] = "eddsa-rdfc-2022" },
		"proof purpose":     func(m map[string]any) { m["proof"].(map[string]any)["proofPurpose"] = "authentication" },
		"signature flipped": func(m map[string]any) {
			p := m["proof"].(map[string]any)
			s := []byte(p["proofValue"].(string))
			s[5] = map[bool]byte{true: 'b', false: 'a'}[s[5] == 'a']
			p["proofValue"] = string(s)
		},
		"no proof":          func(m map[string]any) { delete(m, "proof") },
		"proofValue hex":    func(m map[string]any) { m["proof"].(map[string]any)["proofValue"] = "f00" },
		"proof context cut": func(m map[string]any) { m["proof"].(map[string]any)["@context"] = []any{"https://example.com/other"} },
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(signed, &m)
			mod(m)
			b, _ := json.Marshal(m)
			if _, err := VerifyProof(b); err == nil {
				t.Fatal("verified")
			}
		})
	}
	if _, err := VerifyProof([]byte(`{"a":1,"a":2}`)); err == nil {
		t.Fatal("a document with a member twice verified")
	}
}

func TestDIDKey(t *testing.T) {
	priv := w3cKey(t)
	pub := priv.Public().(ed25519.PublicKey)
	vm := VerificationMethod(pub)
	if vm != "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2" {
		t.Fatalf("verification method %s", vm)
	}
	for _, s := range []string{vm, DIDKey(pub)} {
		if k, err := KeyFromDID(s); err != nil || !k.Equal(pub) {
			t.Errorf("%s: %x %v", s, k, err)
		}
	}
	for _, bad := range []string{"did:web:example.com", "did:key:f00", "did:key:z6Mk", "did:key:" + Multibase(pub) + "#other", "did:key:z" + base58.Encode(append([]byte{0x12, 0x00}, pub...))} {
		if _, err := KeyFromDID(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
