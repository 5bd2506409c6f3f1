package verify_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// ExampleVerify verifies a record offline: the genesis file is the only
// thing trusted; the bundle (from GET /api/v1/tx/{txid}/proof on any
// replica) is checked step by step.
func ExampleVerify() {
	// A test chain: 4 replicas, one career record, then a fifth replica
	// joins and a later block commits under the 5-replica membership.
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	n.reconfigure(1, 2, 3, 4, 5)
	n.commit(nil, n.career(careerOpts{}))
	genesisFile, bundleJSON := n.genesisJSON(), must(json.Marshal(n.bundle(rec)))

	trust, err := verify.TrustFromGenesisJSON(genesisFile)
	if err != nil {
		log.Fatal(err)
	}
	report := verify.VerifyJSON(bundleJSON, trust)
	for _, s := range report.Steps {
		fmt.Println(s.OK, s.Name)
	}
	fmt.Println("verified:", report.OK())

	// A server that lowers the fee on the receipt is caught.
	b := must(verify.DecodeBundle(bundleJSON))
	retx(b, func(tx *chain.Tx) { tx.Career.Receipt.Amount = 1 })
	if s, failed := verify.Verify(b, trust).Failed(); failed {
		fmt.Println("tampered bundle fails at:", s.Name)
	}
	// Output:
	// true format
	// true membership history
	// true key history
	// true holder signature
	// true payment receipt
	// true attestation
	// true Merkle inclusion
	// true block hash
	// true commit certificate
	// true status
	// verified: true
	// tampered bundle fails at: payment receipt
}

// ExampleTrustFromGenesisJSON reads the replicas' genesis.json into the
// trust anchor Verify checks bundles against.
func ExampleTrustFromGenesisJSON() {
	genesisFile := newNet("careerchain-dev", 1, 2, 3, 4).genesisJSON()
	trust, err := verify.TrustFromGenesisJSON(genesisFile)
	if err != nil {
		log.Fatal(err)
	}
	m := trust.Membership
	fmt.Printf("chain %s: %d replicas (epoch %d), quorum %d, %d attester key(s)\n",
		trust.ChainID, m.N(), m.Epoch, m.Quorum(), len(trust.Keys[0].Attesters))
	// Output:
	// chain careerchain-dev: 4 replicas (epoch 0), quorum 3, 1 attester key(s)
}

// ExampleDecodeBundle reads a bundle strictly: a field the format does not
// have is refused rather than ignored.
func ExampleDecodeBundle() {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	raw := must(json.Marshal(n.bundle(rec)))
	b, err := verify.DecodeBundle(raw)
	fmt.Println(err == nil, b.Version, b.Block.Height, b.Status.State)
	_, err = verify.DecodeBundle([]byte(`{"version":1,"surprise":true}`))
	fmt.Println(err != nil)
	// Output:
	// true 1 1 active
	// true
}

// ExampleSteps lists the checks in the order Verify runs them; a report
// names the first that failed.
func ExampleSteps() {
	fmt.Println(len(verify.Steps()), verify.Steps()[0], "…", verify.Steps()[len(verify.Steps())-1])
	// Output:
	// 10 format … status
}

// ExampleReport_Failed names the step a tampered bundle fails at, in the
// words a person reads.
func ExampleReport_Failed() {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	b := n.bundle(rec)
	b.Block.Time++ // the header no longer hashes to the certified digest
	if s, failed := verify.Verify(b, n.trust()).Failed(); failed {
		fmt.Println(s.Name, s.OK)
	}
	// Output:
	// block hash false
}

// ExampleNewInclusion builds, as a replica does, the inclusion proof of a
// block's transaction; its header recomputes the digest the certificate
// signs (BlockDigest), without the other transactions.
func ExampleNewInclusion() {
	blk := &pbft.Block{View: 0, Proposer: 1, Time: 1_700_000_000_000, Txs: [][]byte{[]byte(`{"a":1}`), []byte(`{"b":2}`)}}
	cert := &pbft.Certificate{Epoch: 0, Seq: 7, Digest: blk.Digest(7)}
	inc, err := verify.NewInclusion(7, blk, cert, 1)
	if err != nil {
		log.Fatal(err)
	}
	d, err := inc.Block.Digest()
	fmt.Println(err == nil, d == blk.Digest(7), inc.Index, len(inc.Proof))
	// Output:
	// true true 1 1
}

// ExampleNewChange records, as a replica does for a proof bundle, the
// reconfiguration block that put a membership in force, with the header
// (HeaderOf), the membership (MembershipOf) and the certificate
// (CertificateOf) in their JSON forms.
func ExampleNewChange() {
	next := &pbft.Membership{Epoch: 1, Members: []pbft.Member{{ID: 1, SignKey: []byte{1}}, {ID: 2, SignKey: []byte{2}}, {ID: 3, SignKey: []byte{3}}, {ID: 4, SignKey: []byte{4}}, {ID: 5, SignKey: []byte{5}}}}
	blk := &pbft.Block{View: 2, Proposer: 3, Time: 1_700_000_000_000, Config: next, Txs: [][]byte{[]byte(`{"type":"config.change"}`)}}
	cert := &pbft.Certificate{Epoch: 0, View: 2, Seq: 9, Digest: blk.Digest(9), Sigs: []pbft.CommitSig{{Replica: 1, Sig: []byte{0xab}}}}
	ch, err := verify.NewChange(9, blk, cert)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ch.Block.Height, ch.Block.Config.Epoch, len(ch.Block.Config.Members), ch.Certificate.Seq, ch.Certificate.Sigs[0].Sig)
	h := verify.HeaderOf(9, blk)
	fmt.Println(h.TxCount, verify.CertificateOf(cert).Digest == blk.Digest(9).String(), verify.MembershipOf(nil) == nil)
	// A block without a membership is no change.
	_, err = verify.NewChange(10, &pbft.Block{}, cert)
	fmt.Println(err != nil)
	// Output:
	// 9 1 5 9 ab
	// 1 true true
	// true
}

// ExampleBlockDigest recomputes the digest a certificate signs from a
// block's header fields alone.
func ExampleBlockDigest() {
	blk := &pbft.Block{View: 1, Proposer: 2, Time: 1_700_000_000_000, Txs: [][]byte{[]byte("a"), []byte("b"), []byte("c")}}
	d := verify.BlockDigest(5, blk.View, blk.Proposer, blk.Time, blk.Config, len(blk.Txs), blk.TxRoot())
	fmt.Println(d == blk.Digest(5))
	// Output:
	// true
}

// ExampleVerifyJSON checks a bundle straight from its JSON; malformed
// input fails at the format step.
func ExampleVerifyJSON() {
	trust := newNet(testChainID, 1, 2, 3, 4).trust()
	s, _ := verify.VerifyJSON([]byte(`{"version":1,`), trust).Failed()
	fmt.Println(s.Name, s.OK)
	// Output:
	// format false
}
