package node

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// genesisTrust is the light client's trust anchor for the cluster's chain,
// read from the genesis file's JSON as a verifier would read it.
func genesisTrust(t *testing.T, c *cluster) verify.Trust {
	t.Helper()
	gb, err := json.Marshal(c.genesis)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := verify.TrustFromGenesisJSON(gb)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// proofOf fetches a record's bundle from replica i, waiting for the replica
// to have executed height h, and verifies it.
func proofOf(t *testing.T, c *cluster, i int, txid string, h uint64, tr verify.Trust) *verify.Bundle {
	t.Helper()
	c.waitHeight(t, h, i)
	resp, err := httpClient.Get(c.url(i, "/api/v1/tx/"+txid+"/proof"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("proof of %s from replica %d: %d %s %v", txid, i+1, resp.StatusCode, raw, err)
	}
	b, err := verify.DecodeBundle(raw)
	if err != nil {
		t.Fatalf("proof of %s: %v", txid, err)
	}
	if rep := verify.Verify(b, tr); !rep.OK() {
		t.Fatalf("proof of %s from replica %d does not verify:\n%s", txid, i+1, rep)
	}
	return b
}

// TestProofBundleVerifies serves the bundle of a record through its life —
// registered, amended, the amendment revoked — and across a
// reconfiguration, from several replicas, and verifies each against the
// genesis alone.
func TestProofBundleVerifies(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	tr := genesisTrust(t, c)
	alice := wallet(t, "alice")

	reg := c.careerTx(t, alice, 1)
	res := c.submit(t, 0, reg)
	b := proofOf(t, c, 2, res.TxID, res.Height, tr)
	if b.Status.State != verify.StateActive || b.Status.AsOf < res.Height || b.Block.Height != res.Height || len(b.Memberships) != 0 {
		t.Fatalf("registered record: status %+v, block %d, %d changes", b.Status, b.Block.Height, len(b.Memberships))
	}

	amend := signedAmend(t, c, alice, c.careerTx(t, alice, 2), res.TxID)
	ares := c.submit(t, 1, amend)
	b = proofOf(t, c, 0, res.TxID, ares.Height, tr)
	if b.Status.State != verify.StateAmended || b.Status.By != ares.TxID || b.Status.Evidence == nil {
		t.Fatalf("amended record: %+v", b.Status)
	}

	rres := c.submit(t, 0, revokeTx(t, alice, ares.TxID, "left the project", 3))
	b = proofOf(t, c, 3, ares.TxID, rres.Height, tr)
	if s := b.Status; s.State != verify.StateRevoked || s.By != rres.TxID || s.Reason != "left the project" || s.Revoker != alice.KeyHex() {
		t.Fatalf("revoked record: %+v", s)
	}

	// A reconfiguration (a new epoch of the same members): later records
	// are certified under epoch 1, which only the history proves.
	gm, err := c.genesis.Membership()
	if err != nil {
		t.Fatal(err)
	}
	next := &pbft.Membership{Epoch: 1, Members: gm.Members}
	leader := int(c.node(0).Status().Leader) - 1
	cres := c.submit(t, leader, configTx(t, c, chain.Config{Nonce: 1, Membership: pbft.EncodeMembership(next)}))
	if cres.Status != "accepted" {
		t.Fatalf("reconfiguration: %+v", cres)
	}
	c.waitHeight(t, cres.Height, all(4)...)
	later := c.submit(t, 0, c.careerTx(t, wallet(t, "bob"), 1)) // retried while the new epoch's view change settles
	if later.Status != "accepted" {
		t.Fatalf("record after the reconfiguration: %+v", later)
	}
	b = proofOf(t, c, 1, later.TxID, later.Height, tr)
	if len(b.Memberships) != 1 || b.Memberships[0].Block.Height != cres.Height || b.Certificate.Epoch != 1 {
		t.Fatalf("record after the reconfiguration: %d changes, certificate epoch %d", len(b.Memberships), b.Certificate.Epoch)
	}
	// The older record's bundle now carries the change too, and still verifies.
	if b = proofOf(t, c, 2, ares.TxID, later.Height, tr); len(b.Memberships) != 1 || b.Status.State != verify.StateRevoked {
		t.Fatalf("older record: %d changes, %+v", len(b.Memberships), b.Status)
	}

	// A tampered bundle fails: the light client checks what the replica served.
	b.Status.Reason = "fraud"
	if rep := verify.Verify(b, tr); rep.OK() {
		t.Fatal("a bundle with a changed revocation reason verified")
	}
}

// TestProofErrors checks the answers for what has no proof: a TxID not on
// chain, a malformed TxID, a transaction that is not a career record, and
// one that execution rejected.
func TestProofErrors(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	alice := wallet(t, "alice")
	reg := c.careerTx(t, alice, 1)
	regID := c.submit(t, 0, reg).TxID
	revID := c.submit(t, 0, revokeTx(t, alice, regID, "mistake", 2)).TxID
	// The same payment id again, past the API's precheck: rejected at execution.
	dup := c.commitRaw(t, 0, encode(t, careerTx(t, testChainID, alice, c.payment, c.attester, 3, reg.Career.Receipt.PaymentID, 0)))
	if dup.Status != "rejected" {
		t.Fatalf("duplicate payment: %+v", dup)
	}
	for _, tc := range []struct {
		name, txid string
		status     int
		code, text string
	}{
		{"unknown", strings.Repeat("ab", 32), 404, "not_found", "no transaction"},
		{"malformed", "xyz", 400, "bad_txid", "not a TxID"},
		{"revocation", revID, 422, "not_a_record", "career.revoke, not a career record"},
		{"rejected", dup.TxID, 422, "rejected", "rejected at execution"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e apiErr
			if code := get(t, c.url(0, "/api/v1/tx/"+tc.txid+"/proof"), &e); code != tc.status || e.Code != tc.code || !strings.Contains(e.Error, tc.text) {
				t.Fatalf("got %d %+v, want %d %s containing %q", code, e, tc.status, tc.code, tc.text)
			}
		})
	}
}
