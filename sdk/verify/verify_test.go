package verify_test

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// clone deep-copies a bundle through its JSON form, so that every row
// tampers with its own copy (and the codec is exercised on the way).
func clone(t *testing.T, b *verify.Bundle) *verify.Bundle {
	t.Helper()
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := verify.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("DecodeBundle of a bundle this package wrote: %v", err)
	}
	return out
}

// retx changes the record's transaction as a dishonest server would: the
// bytes and the TxID change together, the signatures stay.
func retx(b *verify.Bundle, f func(*chain.Tx)) {
	tx := must(chain.DecodeTx(b.Tx, verify.MaxTxBytes))
	f(tx)
	b.Tx = must(chain.EncodeTx(tx))
	b.TxID = chain.TxID(tx)
}

func txidOf(tx *chain.Tx) string { return chain.TxID(tx) }

// row is one verification case: a bundle, a change to it, the trust
// anchor, and the step that must fail ("" = the bundle verifies).
type row struct {
	name  string
	base  func() *verify.Bundle
	mod   func(*verify.Bundle)
	trust func(*verify.Trust)
	fail  string
}

func run(t *testing.T, n *testNet, rows []row) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			b := clone(t, tt.base())
			if tt.mod != nil {
				tt.mod(b)
			}
			g := n.trust()
			if tt.trust != nil {
				tt.trust(&g)
			}
			rep := verify.Verify(b, g)
			dumpCase(t, b, g, tt.fail)
			got, failed := rep.Failed()
			switch {
			case tt.fail == "" && !rep.OK():
				t.Fatalf("want a verified bundle, got:\n%s", rep)
			case tt.fail != "" && (!failed || got.Name != tt.fail):
				t.Fatalf("want step %q to fail, got:\n%s", tt.fail, rep)
			case failed && rep.Steps[len(rep.Steps)-1] != got:
				t.Fatalf("verification went on after a failed step:\n%s", rep)
			}
			for _, s := range rep.Steps {
				if s.Text == "" || !strings.HasSuffix(s.Text, ".") || strings.Contains(s.Text, "\n") {
					t.Errorf("step %q: text %q is not one sentence", s.Name, s.Text)
				}
			}
		})
	}
}

// TestVerifyRecord tampers with each part of a record's bundle.
func TestVerifyRecord(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec, f1, f2 := n.career(careerOpts{}), n.career(careerOpts{}), n.career(careerOpts{})
	h := n.commit(nil, f1, rec, f2)
	badIssuer, badAttester := n.career(careerOpts{issuer: &n.stranger}), n.career(careerOpts{attester: &n.stranger})
	n.commit(nil, badIssuer, badAttester)
	rev := n.revoke(n.holder, txidOf(rec), "typo")
	n.commit(nil, rev)
	base := func() *verify.Bundle { return n.bundle(rec) }
	digest := n.blocks[h-1].Digest(h)
	other := newNet("careerchain-other", 1, 2, 3, 4)
	otherRec := other.career(careerOpts{})
	other.commit(nil, otherRec)
	n.signKey(5)

	run(t, n, []row{
		{name: "valid", base: base},
		{name: "genesis trust read from the genesis file", base: base, trust: func(g *verify.Trust) { *g = must(verify.TrustFromGenesisJSON(n.genesisJSON())) }},
		// format
		{name: "version 2", base: base, mod: func(b *verify.Bundle) { b.Version = 2 }, fail: verify.StepFormat},
		{name: "another chain's bundle", base: func() *verify.Bundle { return other.bundle(otherRec) }, fail: verify.StepFormat},
		{name: "another chain's bundle relabelled", base: func() *verify.Bundle { return other.bundle(otherRec) },
			mod: func(b *verify.Bundle) { b.ChainID = testChainID }, fail: verify.StepFormat},
		{name: "TxID of another transaction", base: base, mod: func(b *verify.Bundle) { b.TxID = txidOf(f1) }, fail: verify.StepFormat},
		{name: "non-canonical tx bytes", base: base, mod: func(b *verify.Bundle) { b.Tx = append(b.Tx, ' ') }, fail: verify.StepFormat},
		{name: "a revocation presented as a record", base: func() *verify.Bundle { return n.bundle(rev) }, fail: verify.StepFormat},
		{name: "unknown status", base: base, mod: func(b *verify.Bundle) { b.Status.State = "superseded" }, fail: verify.StepFormat},
		{name: "malformed tx root", base: base, mod: func(b *verify.Bundle) { b.Block.TxRoot = "zz" }, fail: verify.StepFormat},
		// holder signature
		{name: "changed claim role", base: base, mod: func(b *verify.Bundle) {
			retx(b, func(tx *chain.Tx) { tx.Career.Statement.Claim.Role = "CTO" })
		}, fail: verify.StepHolder},
		{name: "changed claim end date", base: base, mod: func(b *verify.Bundle) {
			retx(b, func(tx *chain.Tx) { tx.Career.Statement.Claim.End = "2025-12-31" })
		}, fail: verify.StepHolder},
		{name: "holder signature by another key", base: base, mod: func(b *verify.Bundle) {
			retx(b, func(tx *chain.Tx) {
				s := tx.Career.Statement
				s.HolderKey = n.stranger.KeyHex()
				tx.Career.HolderSig = must(chain.SignStatement(n.stranger, s))
			})
		}, fail: verify.StepHolder},
		// payment receipt
		{name: "receipt amount lowered", base: base, mod: func(b *verify.Bundle) {
			retx(b, func(tx *chain.Tx) { tx.Career.Receipt.Amount = 1 })
		}, fail: verify.StepReceipt},
		{name: "receipt by an issuer the genesis does not register", base: func() *verify.Bundle { return n.bundle(badIssuer) }, fail: verify.StepReceipt},
		{name: "issuer removed from the trust anchor", base: base, trust: func(g *verify.Trust) { g.Keys[0].PaymentIssuers = nil }, fail: verify.StepReceipt},
		// attestation
		{name: "attestation time changed", base: base, mod: func(b *verify.Bundle) {
			retx(b, func(tx *chain.Tx) { tx.Career.Attestation.Time++ })
		}, fail: verify.StepAttestation},
		{name: "attestation by a key the genesis does not allow", base: func() *verify.Bundle { return n.bundle(badAttester) }, fail: verify.StepAttestation},
		{name: "attester removed from the trust anchor", base: base, trust: func(g *verify.Trust) { g.Keys[0].Attesters = []string{n.stranger.KeyHex()} }, fail: verify.StepAttestation},
		// Merkle inclusion
		{name: "swapped Merkle siblings", base: base, mod: func(b *verify.Bundle) {
			b.Proof[0].Hash, b.Proof[1].Hash = b.Proof[1].Hash, b.Proof[0].Hash
		}, fail: verify.StepInclusion},
		{name: "Merkle sibling of another block", base: base, mod: func(b *verify.Bundle) { b.Proof[0].Hash = digest }, fail: verify.StepInclusion},
		{name: "Merkle path cut short", base: base, mod: func(b *verify.Bundle) { b.Proof = b.Proof[:1] }, fail: verify.StepInclusion},
		{name: "wrong index", base: base, mod: func(b *verify.Bundle) { b.Index = 0 }, fail: verify.StepInclusion},
		{name: "index beyond the block", base: base, mod: func(b *verify.Bundle) { b.Index = 3 }, fail: verify.StepInclusion},
		// block hash
		{name: "header time changed", base: base, mod: func(b *verify.Bundle) { b.Block.Time++ }, fail: verify.StepBlockHash},
		{name: "header view changed", base: base, mod: func(b *verify.Bundle) { b.Block.View = 7 }, fail: verify.StepBlockHash},
		{name: "header proposer changed", base: base, mod: func(b *verify.Bundle) { b.Block.Proposer = 2 }, fail: verify.StepBlockHash},
		{name: "header claims a reconfiguration", base: base, mod: func(b *verify.Bundle) { b.Block.Config = verify.MembershipOf(n.genesis) }, fail: verify.StepBlockHash},
		{name: "header at another height", base: base, mod: func(b *verify.Bundle) { b.Block.Height = 2 }, fail: verify.StepBlockHash},
		// commit certificate
		{name: "certificate with too few signers", base: base, mod: func(b *verify.Bundle) { b.Certificate.Sigs = b.Certificate.Sigs[:2] }, fail: verify.StepCertificate},
		{name: "certificate with a duplicate signer", base: base, mod: func(b *verify.Bundle) { b.Certificate.Sigs[2] = b.Certificate.Sigs[1] }, fail: verify.StepCertificate},
		{name: "certificate with a non-member signer", base: base, mod: func(b *verify.Bundle) {
			b.Certificate = verify.CertificateOf(n.sign(testChainID, 0, 0, h, digest, 1, 2, 5))
		}, fail: verify.StepCertificate},
		{name: "certificate signed in another epoch", base: base, mod: func(b *verify.Bundle) {
			b.Certificate = verify.CertificateOf(n.sign(testChainID, 1, 0, h, digest, 1, 2, 3))
		}, fail: verify.StepCertificate},
		{name: "certificate relabelled to the epoch in force", base: base, mod: func(b *verify.Bundle) {
			c := verify.CertificateOf(n.sign(testChainID, 1, 0, h, digest, 1, 2, 3))
			c.Epoch = 0
			b.Certificate = c
		}, fail: verify.StepCertificate},
		{name: "certificate signed for another chain", base: base, mod: func(b *verify.Bundle) {
			b.Certificate = verify.CertificateOf(n.sign("careerchain-other", 0, 0, h, digest, 1, 2, 3))
		}, fail: verify.StepCertificate},
		{name: "certificate with a corrupted signature", base: base, mod: func(b *verify.Bundle) {
			s := []byte(b.Certificate.Sigs[0].Sig)
			s[10] = map[bool]byte{true: '1', false: '0'}[s[10] == '0']
			b.Certificate.Sigs[0].Sig = string(s)
		}, fail: verify.StepCertificate},
		// status
		{name: "status read before the record's block", base: base, mod: func(b *verify.Bundle) { b.Status.AsOf = h - 1 }, fail: verify.StepStatus},
	})
}

// TestVerifyStatus: amended and revoked records, and what a server may
// not claim about them.
func TestVerifyStatus(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec, other := n.career(careerOpts{}), n.career(careerOpts{})
	n.commit(nil, rec, other)
	amend := n.career(careerOpts{supersedes: txidOf(rec)})
	n.commit(nil, amend)
	otherAmend := n.career(careerOpts{supersedes: txidOf(other)})
	n.commit(nil, otherAmend)
	toRevoke := n.career(careerOpts{})
	n.commit(nil, toRevoke)
	rev, byAttester := n.revoke(n.holder, txidOf(toRevoke), "entered by mistake"), n.revoke(n.attester, txidOf(toRevoke), "evidence forged")
	byStranger := n.revoke(n.stranger, txidOf(toRevoke), "spite")
	n.commit(nil, rev, byAttester, byStranger)
	amended := func() *verify.Bundle { return n.amended(rec, amend) }
	revoked := func() *verify.Bundle { return n.revoked(toRevoke, rev) }

	run(t, n, []row{
		{name: "amended", base: amended},
		{name: "revoked by the holder", base: revoked},
		{name: "revoked by the attester", base: func() *verify.Bundle { return n.revoked(toRevoke, byAttester) }},
		{name: "active record", base: func() *verify.Bundle { return n.bundle(other) }},
		{name: "amended record presented as active", base: amended, mod: func(b *verify.Bundle) { b.Status.State = verify.StateActive }, fail: verify.StepStatus},
		{name: "revoked record presented as active", base: revoked, mod: func(b *verify.Bundle) {
			b.Status.State, b.Status.Reason, b.Status.Revoker, b.Status.By = verify.StateActive, "", "", ""
		}, fail: verify.StepStatus},
		{name: "active with a stray revoker", base: func() *verify.Bundle { return n.bundle(other) }, mod: func(b *verify.Bundle) { b.Status.Revoker = n.holder.KeyHex() }, fail: verify.StepStatus},
		{name: "amended without evidence", base: amended, mod: func(b *verify.Bundle) { b.Status.Evidence = nil }, fail: verify.StepFormat},
		{name: "amended by an amendment of another record", base: func() *verify.Bundle { return n.amended(rec, otherAmend) }, fail: verify.StepStatus},
		{name: "amended by a revocation", base: func() *verify.Bundle { return n.amended(toRevoke, rev) }, fail: verify.StepStatus},
		{name: "revoked by an amendment", base: func() *verify.Bundle { return n.revoked(rec, rev) }, mod: func(b *verify.Bundle) {
			ev := n.inclusion(amend)
			b.Status.Evidence, b.Status.By = &ev, ev.TxID
		}, fail: verify.StepStatus},
		{name: "revocation of another record", base: func() *verify.Bundle { return n.revoked(other, rev) }, fail: verify.StepStatus},
		{name: "revocation by someone else", base: func() *verify.Bundle { return n.revoked(toRevoke, byStranger) }, fail: verify.StepStatus},
		{name: "revocation reason changed", base: revoked, mod: func(b *verify.Bundle) { b.Status.Reason = "holder asked" }, fail: verify.StepStatus},
		{name: "revoker changed", base: revoked, mod: func(b *verify.Bundle) { b.Status.Revoker = n.attester.KeyHex() }, fail: verify.StepStatus},
		{name: "status names another TxID", base: revoked, mod: func(b *verify.Bundle) { b.Status.By = txidOf(byAttester) }, fail: verify.StepStatus},
		{name: "status read before the revocation", base: revoked, mod: func(b *verify.Bundle) { b.Status.AsOf = b.Block.Height }, fail: verify.StepStatus},
		{name: "revocation's Merkle path broken", base: revoked, mod: func(b *verify.Bundle) { b.Status.Evidence.Index = 2 }, fail: verify.StepStatus},
		{name: "revocation's header changed", base: revoked, mod: func(b *verify.Bundle) { b.Status.Evidence.Block.Time = 0 }, fail: verify.StepStatus},
		{name: "revocation's certificate too small", base: revoked, mod: func(b *verify.Bundle) {
			b.Status.Evidence.Certificate.Sigs = b.Status.Evidence.Certificate.Sigs[:1]
		}, fail: verify.StepStatus},
		{name: "amendment's signature broken", base: amended, mod: func(b *verify.Bundle) {
			tx := must(chain.DecodeTx(b.Status.Evidence.Tx, 0))
			tx.Career.Receipt.Amount = 1
			b.Status.Evidence.Tx = must(chain.EncodeTx(tx))
			b.Status.Evidence.TxID, b.Status.By = chain.TxID(tx), chain.TxID(tx)
		}, fail: verify.StepStatus},
	})
}

// TestVerifyMembershipHistory: a chain that goes from 4 replicas to 5 and
// back to 4 (another 4), with records in every epoch.
func TestVerifyMembershipHistory(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	a := n.career(careerOpts{})
	n.commit(nil, a)
	n.reconfigure(1, 2, 3, 4, 5)
	b := n.career(careerOpts{})
	n.commit(nil, b)
	n.reconfigure(1, 3, 4, 5)
	c := n.career(careerOpts{})
	n.commit(nil, c)
	revA := n.revoke(n.attester, txidOf(a), "withdrawn")
	n.commit(nil, revA)
	if len(n.changes) != 2 || n.m.Epoch != 2 || n.m.N() != 4 {
		t.Fatalf("test chain: %d changes, epoch %d, %d members", len(n.changes), n.m.Epoch, n.m.N())
	}
	latest := func() *verify.Bundle { return n.bundle(c) }
	n.signKey(9)
	forgedKey := hex.EncodeToString(n.signKey(9))

	run(t, n, []row{
		{name: "record of epoch 0 with the whole history", base: func() *verify.Bundle { return n.bundle(a) }},
		{name: "record of epoch 1 (5 replicas)", base: func() *verify.Bundle { return n.bundle(b) }},
		{name: "record of epoch 2 (4 replicas again)", base: latest},
		{name: "epoch-0 record revoked in epoch 2", base: func() *verify.Bundle { return n.revoked(a, revA) }},
		{name: "epoch-0 record without the later history", base: func() *verify.Bundle { return n.bundle(a) },
			mod: func(b *verify.Bundle) { b.Memberships, b.Status.AsOf = nil, 1 }},
		{name: "forged change: a member's key replaced", base: latest, mod: func(b *verify.Bundle) {
			b.Memberships[0].Block.Config.Members[4].SignKey = forgedKey
		}, fail: verify.StepMembership},
		{name: "forged change: a membership of outsiders signed by outsiders", base: latest, mod: func(b *verify.Bundle) {
			for _, id := range []uint64{6, 7, 8} {
				n.signKey(id)
			}
			fake := n.membership(1, 6, 7, 8, 9)
			blk := &pbft.Block{Proposer: 6, Time: 1, Config: fake, Txs: [][]byte{[]byte("x")}}
			h := b.Memberships[0].Block.Height
			b.Memberships[0] = must(verify.NewChange(h, blk, n.sign(testChainID, 0, 0, h, blk.Digest(h), 6, 7, 8)))
		}, fail: verify.StepMembership},
		{name: "forged change: epoch not after the one before", base: latest, mod: func(b *verify.Bundle) {
			b.Memberships[0].Block.Config.Epoch = 0
		}, fail: verify.StepMembership},
		{name: "first change missing", base: latest, mod: func(b *verify.Bundle) { b.Memberships = b.Memberships[1:] }, fail: verify.StepMembership},
		{name: "last change missing", base: latest, mod: func(b *verify.Bundle) { b.Memberships = b.Memberships[:1] }, fail: verify.StepCertificate},
		{name: "no history", base: latest, mod: func(b *verify.Bundle) { b.Memberships = nil }, fail: verify.StepCertificate},
		{name: "changes out of order", base: latest, mod: func(b *verify.Bundle) {
			b.Memberships[0], b.Memberships[1] = b.Memberships[1], b.Memberships[0]
		}, fail: verify.StepMembership},
		{name: "change with the certificate of another block", base: latest, mod: func(b *verify.Bundle) {
			b.Memberships[1].Certificate = b.Certificate
		}, fail: verify.StepMembership},
		{name: "change naming no membership", base: latest, mod: func(b *verify.Bundle) { b.Memberships[0].Block.Config = nil }, fail: verify.StepFormat},
		{name: "revocation in epoch 2 without the last change", base: func() *verify.Bundle { return n.revoked(a, revA) },
			mod: func(b *verify.Bundle) { b.Memberships = b.Memberships[:1] }, fail: verify.StepStatus},
		{name: "reconfiguration block as the record's block, unlisted", base: func() *verify.Bundle {
			return n.bundle(a)
		}, mod: func(b *verify.Bundle) {
			// The record's block itself claims a membership change the
			// history lacks: its hash no longer matches.
			b.Block.Config = b.Memberships[0].Block.Config
		}, fail: verify.StepBlockHash},
	})
}

// TestActiveStatusSaysAsOf: an "active" status passes, and its sentence
// says it is the server's word as of a height.
func TestActiveStatusSaysAsOf(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	n.commit(nil, n.career(careerOpts{}))
	rep := verify.Verify(n.bundle(rec), n.trust())
	if !rep.OK() {
		t.Fatalf("not verified:\n%s", rep)
	}
	last := rep.Steps[len(rep.Steps)-1]
	if last.Name != verify.StepStatus || !strings.Contains(last.Text, "height 2") || !strings.Contains(last.Text, "server's word") {
		t.Fatalf("status step %q does not say it is the server's word as of height 2", last.Text)
	}
	var names []string
	for _, s := range rep.Steps {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, verify.Steps()) {
		t.Fatalf("steps %q, want %q", names, verify.Steps())
	}
}

func TestReport(t *testing.T) {
	if rep := verify.Verify(nil, verify.Trust{}); rep.OK() || len(rep.Steps) != 1 {
		t.Fatalf("nil bundle: %s", rep)
	} else if s, ok := rep.Failed(); !ok || s.Name != verify.StepFormat {
		t.Fatalf("nil bundle: failed step %+v %v", s, ok)
	}
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	if rep := verify.Verify(n.bundle(rec), verify.Trust{ChainID: testChainID}); rep.OK() {
		t.Fatal("verified against a trust anchor without a membership")
	}
	rep := verify.Verify(n.bundle(rec), n.trust())
	if _, failed := rep.Failed(); failed || !rep.OK() {
		t.Fatalf("valid bundle: %s", rep)
	}
	if (verify.Report{Steps: rep.Steps[:3]}).OK() {
		t.Fatal("a report with steps missing is OK")
	}
}
