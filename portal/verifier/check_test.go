package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/sdk/verify"
)

// The browser tests (portal/verify_browser_test.go) run this module on
// every verification case; these check what only the module adds: the
// trust anchor it names, and that a genesis it cannot read stops it.

func testGenesis(t *testing.T) []byte {
	t.Helper()
	key := hex.EncodeToString(make([]byte, 32))
	g := genesis.Genesis{ChainID: "careerchain-verifier-test", Config: genesis.ChainConfig{ConfigSigners: []string{key}}}
	for id := uint64(1); id <= 4; id++ {
		_, pub := pbft.NewMLDSASigner(sha256.Sum256([]byte{byte(id)}))
		g.Members = append(g.Members, genesis.Member{ID: id, SignKey: hex.EncodeToString(pub), NetKey: key, Addr: "127.0.0.1:1", API: "http://127.0.0.1:2"})
	}
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckNamesItsTrustAnchor(t *testing.T) {
	gen := testGenesis(t)
	g, _ := genesis.Parse(gen)
	h, _ := g.Hash()
	r := check([]byte(`{"version":1}`), gen)
	if r.Error != "" || r.ChainID != "careerchain-verifier-test" || r.GenesisHash != hex.EncodeToString(h[:]) {
		t.Fatalf("result %+v", r)
	}
	if r.OK || r.Failed != verify.StepFormat || len(r.Steps) != 1 {
		t.Fatalf("a malformed bundle: %+v", r)
	}
	var out Result
	if err := json.Unmarshal([]byte(checkJSON([]byte("not json"), gen)), &out); err != nil || out.Failed != verify.StepFormat {
		t.Fatalf("checkJSON: %+v %v", out, err)
	}
}

func TestCheckRefusesAnUnreadableGenesis(t *testing.T) {
	for _, gen := range []string{"", "{", `{"chain_id":""}`, `{"chain_id":"x","members":[{"id":1,"sign_key":"zz","net_key":"00"}]}`} {
		r := check([]byte(`{"version":1}`), []byte(gen))
		if r.Error == "" || r.OK || len(r.Steps) != 0 || r.GenesisHash != "" {
			t.Errorf("genesis %q: %+v", gen, r)
		}
	}
	c := checkCredential([]byte(`{"proof":{}}`), nil, testGenesis(t))
	if c.OK || c.ProofOK || !strings.Contains(c.ProofError, "proof") {
		t.Fatalf("a credential without a valid proof: %+v", c)
	}
	var out CredentialResult
	if err := json.Unmarshal([]byte(checkCredentialJSON([]byte("{}"), nil, nil)), &out); err != nil || out.OK {
		t.Fatalf("checkCredentialJSON: %+v %v", out, err)
	}
}
