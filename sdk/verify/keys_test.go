package verify_test

import (
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// TestVerifyKeyHistory: a chain whose attester and payment-issuer sets
// change by config transactions. Records are judged by the set in force at
// their position; a key change must be signed by a config signer, included
// in a certified block and apply to the set in force.
func TestVerifyKeyHistory(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	a, b := n.attester, testWallet("attester b")
	i2 := testWallet("issuer 2")
	early := n.career(careerOpts{})
	n.commit(nil, early)
	addB := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{b.KeyHex()}})
	n.commit(nil, addB)
	byB := n.career(careerOpts{attester: &b})
	n.commit(nil, byB)
	removeA := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{a.KeyHex()}})
	beforeRm, afterRm := n.career(careerOpts{}), n.career(careerOpts{})
	n.commit(nil, beforeRm, removeA, afterRm)
	late := n.career(careerOpts{}) // by a, after its removal: in a block only if validation raced the change
	n.commit(nil, late)
	rotateIssuer := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetPaymentIssuers, Add: []string{i2.KeyHex()}, Remove: []string{n.issuer.KeyHex()}})
	n.commit(nil, rotateIssuer)
	oldIssuer, newIssuer := n.career(careerOpts{attester: &b}), n.career(careerOpts{attester: &b, issuer: &i2})
	n.commit(nil, oldIssuer, newIssuer)
	revByA, revByB := n.revoke(a, txidOf(early), "leaked key"), n.revoke(b, txidOf(byB), "withdrawn")
	n.commit(nil, revByA, revByB)
	n.accept(addB, removeA, rotateIssuer)
	// Committed, but rejected by the replicas: never in an honest bundle.
	byStranger := n.keys(n.stranger, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{n.stranger.KeyHex()}})
	removeAgain := n.keys(n.operator, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{a.KeyHex()}})
	replay := must(chain.DecodeTx(must(chain.EncodeTx(addB)), 0))
	replay.PoW++
	n.commit(nil, byStranger, removeAgain, replay)
	extra := func(tx *chain.Tx) func(*verify.Bundle) {
		return func(bd *verify.Bundle) { bd.KeyChanges = append(bd.KeyChanges, n.inclusion(tx)) }
	}
	of := func(tx *chain.Tx) func() *verify.Bundle { return func() *verify.Bundle { return n.bundle(tx) } }

	run(t, n, []row{
		{name: "attested by a key removed later, before its removal", base: of(early)},
		{name: "attested by the added key", base: of(byB)},
		{name: "attested in the removal's block, before the removal", base: of(beforeRm)},
		{name: "attested in the removal's block, after the removal", base: of(afterRm), fail: verify.StepAttestation},
		{name: "attested by a removed key after its removal", base: of(late), fail: verify.StepAttestation},
		{name: "receipt by the rotated-out issuer after the rotation", base: of(oldIssuer), fail: verify.StepReceipt},
		{name: "receipt by the rotated-in issuer", base: of(newIssuer)},
		{name: "attested by the added key, without the change that added it", base: of(byB),
			mod: func(bd *verify.Bundle) { bd.KeyChanges = nil }, fail: verify.StepAttestation},
		// What no bundle can prove (package doc): that no change was left out.
		{name: "removal left out: undetectable", base: of(late),
			mod: func(bd *verify.Bundle) { bd.KeyChanges = append(bd.KeyChanges[:1], bd.KeyChanges[2:]...) }},
		{name: "revoked by its attester before the attester's removal", base: func() *verify.Bundle { return n.revoked(byB, revByB) }},
		{name: "revoked by its attester after the attester's removal", base: func() *verify.Bundle { return n.revoked(early, revByA) }, fail: verify.StepStatus},
		// Forged or inapplicable key changes.
		{name: "key change off its block's Merkle root", base: of(byB), mod: func(bd *verify.Bundle) { bd.KeyChanges[0].Index = 1 }, fail: verify.StepKeys},
		{name: "key change's header changed", base: of(byB), mod: func(bd *verify.Bundle) { bd.KeyChanges[0].Block.Time++ }, fail: verify.StepKeys},
		{name: "key change with the certificate of another block", base: of(byB),
			mod: func(bd *verify.Bundle) { bd.KeyChanges[0].Certificate = bd.Certificate }, fail: verify.StepKeys},
		{name: "key change with too few commit signatures", base: of(byB),
			mod: func(bd *verify.Bundle) { bd.KeyChanges[0].Certificate.Sigs = bd.KeyChanges[0].Certificate.Sigs[:2] }, fail: verify.StepKeys},
		{name: "key change altered after signing", base: of(byB), mod: func(bd *verify.Bundle) {
			tx := must(chain.DecodeTx(bd.KeyChanges[0].Tx, 0))
			tx.Config.Keys.Add = []string{n.stranger.KeyHex()}
			bd.KeyChanges[0].Tx, bd.KeyChanges[0].TxID = must(chain.EncodeTx(tx)), chain.TxID(tx)
		}, fail: verify.StepKeys},
		{name: "key change signed by a key that is no config signer", base: of(byB), mod: extra(byStranger), fail: verify.StepKeys},
		{name: "key change that does not apply to the set in force", base: of(byB), mod: extra(removeAgain), fail: verify.StepKeys},
		{name: "the same signed key change twice", base: of(byB), mod: extra(replay), fail: verify.StepKeys},
		{name: "key changes out of order", base: of(byB), mod: func(bd *verify.Bundle) {
			bd.KeyChanges[0], bd.KeyChanges[1] = bd.KeyChanges[1], bd.KeyChanges[0]
		}, fail: verify.StepKeys},
		{name: "config signer not in the trust anchor", base: of(byB), trust: func(g *verify.Trust) { g.Keys[0].ConfigSigners = []string{n.stranger.KeyHex()} }, fail: verify.StepKeys},
		{name: "key change before a later trusted key set", base: of(byB), trust: func(g *verify.Trust) {
			g.Keys = append(g.Keys, verify.KeySet{From: 3, Attesters: []string{b.KeyHex()}, PaymentIssuers: g.Keys[0].PaymentIssuers, ConfigSigners: g.Keys[0].ConfigSigners})
		}, fail: verify.StepKeys},
		{name: "a revocation presented as a key change", base: of(byB), mod: func(bd *verify.Bundle) { bd.KeyChanges[0] = n.inclusion(revByB) }, fail: verify.StepFormat},
	})
}
