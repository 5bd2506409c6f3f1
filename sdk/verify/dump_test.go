package verify_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/sdk/verify"
)

// casesEnv names a directory into which every verification case of the
// tables (run) is written as one JSON file: the case's name, the step that
// must fail ("" = verifies), the bundle as a server would send it and the
// genesis file whose trust it is checked against. Other verifiers check
// themselves against the same cases: the portal's browser test runs each
// through the in-browser verifier and `careerctl verify --offline` and
// compares them (portal/verify_browser_test.go).
const casesEnv = "CAREERCHAIN_VERIFY_CASES"

// dumpedCase is the file dumpCase writes.
type dumpedCase struct {
	Name    string          `json:"name"`
	Fail    string          `json:"fail"`
	Bundle  json.RawMessage `json:"bundle"`
	Genesis json.RawMessage `json:"genesis"`
}

// dumpCase writes one case when $CAREERCHAIN_VERIFY_CASES is set. A trust
// anchor with key history beyond the genesis has no genesis file, so such
// a case is not written.
func dumpCase(t *testing.T, b *verify.Bundle, g verify.Trust, fail string) {
	t.Helper()
	dir := os.Getenv(casesEnv)
	if dir == "" || len(g.Keys) != 1 || g.Membership == nil {
		return
	}
	type member struct {
		ID      uint64 `json:"id"`
		SignKey string `json:"sign_key"`
		NetKey  string `json:"net_key"`
		Addr    string `json:"addr"`
		API     string `json:"api"`
	}
	var ms []member
	for _, m := range g.Membership.Members {
		ms = append(ms, member{m.ID, hex.EncodeToString(m.SignKey), hex.EncodeToString(m.NetKey), m.Addr, m.API})
	}
	gen := map[string]any{"chain_id": g.ChainID, "time": "2024-01-01T00:00:00Z", "members": ms, "config": map[string]any{
		"pow_difficulty": 0, "attesters": g.Keys[0].Attesters, "payment_issuers": g.Keys[0].PaymentIssuers,
		"config_signers": g.Keys[0].ConfigSigners}}
	c := dumpedCase{Name: t.Name(), Fail: fail, Bundle: must(json.Marshal(b)), Genesis: must(json.Marshal(gen))}
	sum := sha256.Sum256([]byte(t.Name()))
	if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:8])+".json"), must(json.Marshal(c)), 0o644); err != nil {
		t.Fatal(err)
	}
}
