package verify_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/verify"
)

func TestTrustFromGenesisJSON(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	g, err := verify.TrustFromGenesisJSON(n.genesisJSON())
	if err != nil {
		t.Fatal(err)
	}
	if g.ChainID != testChainID || g.Membership.Digest() != n.genesis.Digest() {
		t.Fatalf("trust %q with membership %s, want %q with %s", g.ChainID, g.Membership.Digest(), testChainID, n.genesis.Digest())
	}
	if len(g.Keys) != 1 || g.Keys[0].From != 1 || g.Keys[0].Attesters[0] != n.attester.KeyHex() ||
		g.Keys[0].PaymentIssuers[0] != n.issuer.KeyHex() || g.Keys[0].ConfigSigners[0] != n.operator.KeyHex() {
		t.Fatalf("key sets %+v", g.Keys)
	}

	edit := func(f func(map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(n.genesisJSON(), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		return must(json.Marshal(m))
	}
	member := func(m map[string]any, i int) map[string]any { return m["members"].([]any)[i].(map[string]any) }
	tests := []struct {
		name string
		in   []byte
		want string // in the error; "" = accepted
	}{
		{"fields a verifier does not need", edit(func(m map[string]any) {
			m["config"].(map[string]any)["plugins"] = []any{map[string]any{"name": "p", "version": "1", "kind": "validator", "sha256": strings.Repeat("0", 64)}}
		}), ""},
		{"not JSON", []byte("{"), "genesis"},
		{"no chain id", edit(func(m map[string]any) { delete(m, "chain_id") }), "chain_id"},
		{"no members", edit(func(m map[string]any) { m["members"] = []any{} }), "no members"},
		{"duplicate member", edit(func(m map[string]any) { member(m, 1)["id"] = member(m, 0)["id"] }), "strictly increasing"},
		{"sign key not hex", edit(func(m map[string]any) { member(m, 0)["sign_key"] = "xyz" }), "sign_key"},
		{"attester key too short", edit(func(m map[string]any) { m["config"].(map[string]any)["attesters"] = []string{"abcd"} }), "abcd"},
		{"upper-case key", edit(func(m map[string]any) {
			m["config"].(map[string]any)["payment_issuers"] = []string{strings.ToUpper(n.issuer.KeyHex())}
		}), "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify.TrustFromGenesisJSON(tt.in)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
