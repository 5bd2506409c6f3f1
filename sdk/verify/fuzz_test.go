package verify_test

import (
	"encoding/json"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// FuzzBundle: decoding and verifying any bytes never panics, and a bundle
// that decodes re-encodes to JSON that decodes to the same bundle.
func FuzzBundle(f *testing.F) {
	// One replica keeps the seeds small (one 3.3 kB signature per
	// certificate), so that mutations land in more of the structure.
	n := newNet(testChainID, 1)
	rec := n.career(careerOpts{})
	n.commit(nil, rec, n.career(careerOpts{}))
	n.reconfigure(1, 2)
	rev := n.revoke(n.holder, txidOf(rec), "mistake")
	keys := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{n.attester.KeyHex()}})
	n.commit(nil, rev, keys)
	n.accept(keys)
	f.Add(must(json.Marshal(n.bundle(rec))))
	f.Add(must(json.Marshal(n.revoked(rec, rev))))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"key_changes":[{"tx":"","index":-1,"block":{},"certificate":{}}]}`))
	f.Add([]byte(`{"version":1,"chain_id":"careerchain-test","tx":"","index":-1,"proof":null,"block":{"config":{"members":[]}},"certificate":{"sigs":[{}]},"memberships":[{}],"status":{"state":"revoked","evidence":{}}}`))
	g := n.trust()
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := verify.VerifyJSON(b, g)
		if len(rep.Steps) == 0 {
			t.Fatal("empty report")
		}
		bd, err := verify.DecodeBundle(b)
		if err != nil {
			return
		}
		again, err := verify.DecodeBundle(must(json.Marshal(bd)))
		if err != nil {
			t.Fatalf("a decoded bundle does not decode after re-encoding: %v", err)
		}
		if a, b := must(json.Marshal(bd)), must(json.Marshal(again)); string(a) != string(b) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", a, b)
		}
	})
}
