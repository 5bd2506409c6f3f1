package genesis

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
)

func key(label string) string {
	seed := sha256.Sum256([]byte(label))
	return hex.EncodeToString(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
}

func testGenesis() *Genesis {
	g := &Genesis{ChainID: "test-chain", Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Config: ChainConfig{Attesters: []string{key("att")}, PaymentIssuers: []string{key("pay")}, ConfigSigners: []string{key("op")}}}
	for i := 4; i >= 1; i-- { // out of order: Membership sorts
		_, pub := pbft.NewMLDSASigner(sha256.Sum256([]byte{byte(i)}))
		g.Members = append(g.Members, Member{ID: uint64(i), SignKey: hex.EncodeToString(pub), NetKey: key(string(rune('a' + i))),
			Addr: "127.0.0.1:1", API: "http://127.0.0.1:2"})
	}
	return g
}

func TestParseRoundTrip(t *testing.T) {
	g := testGenesis()
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := g.Hash()
	h2, _ := got.Hash()
	if h1 != h2 {
		t.Errorf("hash changed across a JSON round trip")
	}
	m, err := got.Membership()
	if err != nil || m.N() != 4 || m.Members[0].ID != 1 {
		t.Fatalf("membership %v, %v", m, err)
	}
}

func TestParseRefuses(t *testing.T) {
	good, _ := json.Marshal(testGenesis())
	for name, mutate := range map[string]func(*Genesis){
		"no chain id":                 func(g *Genesis) { g.ChainID = "" },
		"long chain id":               func(g *Genesis) { g.ChainID = strings.Repeat("x", MaxChainIDLen+1) },
		"no config signers":           func(g *Genesis) { g.Config.ConfigSigners = nil },
		"upper-case key":              func(g *Genesis) { g.Config.Attesters = []string{strings.ToUpper(key("att"))} },
		"short credential issuer key": func(g *Genesis) { g.Config.CredentialIssuers = []string{key("cred")[:62]} },
		"bad net key":                 func(g *Genesis) { g.Members[0].NetKey = "zz" },
		"no members":                  func(g *Genesis) { g.Members = nil },
	} {
		t.Run(name, func(t *testing.T) {
			g := testGenesis()
			mutate(g)
			b, _ := json.Marshal(g)
			if _, err := Parse(b); !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse = %v, want ErrInvalid", err)
			}
		})
	}
	for name, b := range map[string]string{
		"unknown field": strings.Replace(string(good), `"chain_id"`, `"extra":1,"chain_id"`, 1),
		"trailing data": string(good) + "{}",
		"not JSON":      "genesis",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(b)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestCredentialIssuersKeepOldHashes: a genesis without credential issuers
// has no credential_issuers member, so its hash is the one it had before
// the field existed; one with them hashes differently.
func TestCredentialIssuersKeepOldHashes(t *testing.T) {
	g := testGenesis()
	b, _ := json.Marshal(g)
	if strings.Contains(string(b), "credential_issuers") {
		t.Fatalf("a genesis without credential issuers writes the field: %s", b)
	}
	h1, _ := g.Hash()
	g.Config.CredentialIssuers = []string{key("cred")}
	if _, err := Parse(func() []byte { b, _ := json.Marshal(g); return b }()); err != nil {
		t.Fatalf("a genesis with a credential issuer: %v", err)
	}
	if h2, _ := g.Hash(); h1 == h2 {
		t.Fatal("the credential issuers are not covered by the genesis hash")
	}
}
