package verify_test

import (
	"slices"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// TestCredentialIssuerHistory: credential issuers come from the genesis
// and change by config.keys like the attesters; Report.Latest is the last
// set the bundle proves, and only a bundle whose key history verifies has
// one.
func TestCredentialIssuerHistory(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	c1, c2 := testWallet("credential 1"), testWallet("credential 2")
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	rotate := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetCredentialIssuers, Add: []string{c2.KeyHex()}, Remove: []string{c1.KeyHex()}})
	n.commit(nil, rotate)
	n.accept(rotate)
	trust := n.trust()
	trust.Keys[0].CredentialIssuers = []string{c1.KeyHex()}

	rep := verify.Verify(n.bundle(rec), trust)
	if !rep.OK() || rep.Latest == nil || !slices.Equal(rep.Latest.CredentialIssuers, []string{c2.KeyHex()}) {
		t.Fatalf("after the rotation: latest %+v\n%s", rep.Latest, rep)
	}
	if !slices.Equal(rep.Latest.Attesters, []string{n.attester.KeyHex()}) {
		t.Fatalf("the rotation changed the attesters: %q", rep.Latest.Attesters)
	}
	b := n.bundle(rec)
	b.KeyChanges = nil
	if rep := verify.Verify(b, trust); !rep.OK() || !slices.Equal(rep.Latest.CredentialIssuers, []string{c1.KeyHex()}) {
		t.Fatalf("without the change: latest %+v", rep.Latest)
	}
	bad := n.keys(n.stranger, chain.KeyChange{Set: chain.KeySetCredentialIssuers, Add: []string{n.stranger.KeyHex()}})
	n.commit(nil, bad)
	b = n.bundle(rec)
	b.KeyChanges = append(b.KeyChanges, n.inclusion(bad))
	if rep := verify.Verify(b, trust); rep.OK() || rep.Latest != nil {
		t.Fatalf("a change by a stranger: latest %+v\n%s", rep.Latest, rep)
	}
	if _, err := verify.TrustFromGenesisJSON([]byte(`{"chain_id":"x","members":[],"config":{"credential_issuers":["zz"]}}`)); err == nil {
		t.Fatal("a genesis with a malformed credential issuer key was read")
	}
}
