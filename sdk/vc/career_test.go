package vc

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// testChain is a chain of 4 replicas with one block holding a career
// record (and, when revoked, a second block revoking it): enough for a
// real proof bundle.
type testChain struct {
	trust             verify.Trust
	bundle            *verify.Bundle
	tx                *chain.Tx
	holder, cred, att chain.Wallet
}

func seeded(label string) chain.Wallet {
	s := sha256.Sum256([]byte("careerchain vc test " + label))
	w, err := chain.WalletFromSeed(s[:])
	if err != nil {
		panic(err)
	}
	return w
}

func newTestChain(t *testing.T, revoke bool) *testChain {
	t.Helper()
	c := &testChain{holder: seeded("holder"), cred: seeded("credential issuer"), att: seeded("attester")}
	pay := seeded("payment")
	const chainID = "careerchain-vc-test"
	m := &pbft.Membership{}
	signers := map[uint64]*pbft.MLDSASigner{}
	for id := uint64(1); id <= 4; id++ {
		s, pub := pbft.NewMLDSASigner(sha256.Sum256([]byte(fmt.Sprint("replica ", id))))
		signers[id] = s
		m.Members = append(m.Members, pbft.Member{ID: id, SignKey: pub, NetKey: c.att.PublicKey(), Addr: "127.0.0.1:1", API: "http://127.0.0.1:2"})
	}
	st := chain.NewStatement(c.holder, chainID, 1, chain.Claim{Role: "Data engineer", Organisation: "Acme", Start: "2022-01-01", Skills: []string{"SQL"}})
	sig, _ := chain.SignStatement(c.holder, st)
	r, _ := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt("sandbox", "pay_1", 10000, "KRW", st.Digest()))
	a, _ := chain.Attest(c.att.PrivateKey(), st, r, 1_700_000_000)
	c.tx = chain.NewCareerTx(st, sig, r, a)
	commit := func(h uint64, tx *chain.Tx) verify.Inclusion {
		raw, _ := chain.EncodeTx(tx)
		b := &pbft.Block{Proposer: 1, Time: 1_700_000_000_000 + int64(h), Txs: [][]byte{raw}}
		cert := &pbft.Certificate{Seq: h, Digest: b.Digest(h)}
		for _, id := range []uint64{1, 2, 3} {
			msg := (&pbft.Message{Type: pbft.MsgCommit, From: id, Seq: h, Digest: cert.Digest}).SigningBytes(chainID)
			cert.Sigs = append(cert.Sigs, pbft.CommitSig{Replica: id, Sig: signers[id].Sign(msg)})
		}
		inc, err := verify.NewInclusion(h, b, cert, 0)
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	c.bundle = &verify.Bundle{Version: verify.Version, ChainID: chainID, Inclusion: commit(1, c.tx), Status: verify.Status{State: verify.StateActive, AsOf: 1}}
	if revoke {
		rv, _ := chain.SignRevoke(c.holder.PrivateKey(), chain.Revoke{ChainID: chainID, Nonce: 2, Target: c.bundle.TxID, Reason: "wrong dates"})
		rtx := chain.NewRevokeTx(rv)
		ev := commit(2, rtx)
		c.bundle.Status = verify.Status{State: verify.StateRevoked, AsOf: 2, By: ev.TxID, Reason: rv.Reason, Revoker: rv.By, Evidence: &ev}
	}
	c.trust = verify.Trust{ChainID: chainID, Membership: m, Keys: []verify.KeySet{{From: 1, Attesters: []string{c.att.KeyHex()},
		PaymentIssuers: []string{pay.KeyHex()}, ConfigSigners: []string{c.att.KeyHex()}, CredentialIssuers: []string{c.cred.KeyHex()}}}}
	return c
}

func (c *testChain) issue(t *testing.T, by chain.Wallet) []byte {
	t.Helper()
	d, _ := c.bundle.Block.Digest()
	b, err := Issue(Record{ChainID: c.bundle.ChainID, TxID: c.bundle.TxID, Height: c.bundle.Block.Height, BlockHash: d.String(),
		BlockTime: c.bundle.Block.Time, Career: c.tx.Career, PageURL: "https://portal.example/tx/" + c.bundle.TxID,
		Context: "https://portal.example/ns/career/v1"}, by.PrivateKey(), time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// check runs what a verifier runs: the proof, then the record.
func (c *testChain) check(signed []byte) (string, error) {
	cr, pub, err := Parse(signed)
	if err != nil {
		return "", err
	}
	return CheckRecord(cr, pub, c.bundle, verify.Verify(c.bundle, c.trust))
}

func TestExportedCredentialVerifies(t *testing.T) {
	c := newTestChain(t, false)
	signed := c.issue(t, c.cred)
	state, err := c.check(signed)
	if err != nil || state != verify.StateActive {
		t.Fatalf("exported credential: %q %v\n%s", state, err, signed)
	}
	var m map[string]any
	json.Unmarshal(signed, &m)
	if ctx := m["@context"].([]any); ctx[0] != ContextV2 || m["issuer"] != DIDKey(c.cred.PublicKey()) ||
		m["proof"].(map[string]any)["cryptosuite"] != Cryptosuite || !strings.HasPrefix(m["proof"].(map[string]any)["proofValue"].(string), "z") {
		t.Fatalf("credential shape: %s", signed)
	}
}

func TestTamperedCredentialFails(t *testing.T) {
	c := newTestChain(t, false)
	signed := c.issue(t, c.cred)
	for name, mod := range map[string]func(m map[string]any){
		"role raised":         func(m map[string]any) { m["credentialSubject"].(map[string]any)["role"] = "CTO" },
		"end date added":      func(m map[string]any) { m["credentialSubject"].(map[string]any)["endDate"] = "2030-01-01" },
		"evidence moved":      func(m map[string]any) { m["evidence"].([]any)[0].(map[string]any)["height"] = 9 },
		"validFrom earlier":   func(m map[string]any) { m["validFrom"] = "2001-01-01T00:00:00Z" },
		"issuer relabelled":   func(m map[string]any) { m["issuer"] = DIDKey(c.holder.PublicKey()) },
		"status txid swapped": func(m map[string]any) { m["credentialStatus"].(map[string]any)["txid"] = strings.Repeat("0", 64) },
	} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(signed, &m)
			mod(m)
			b, _ := json.Marshal(m)
			if _, err := c.check(b); err == nil {
				t.Fatal("a tampered credential checked")
			}
		})
	}
	// Re-signed by a key the chain config does not name: the proof holds,
	// the record check refuses the issuer.
	if _, err := c.check(c.issue(t, seeded("stranger"))); !errors.Is(err, ErrCredential) || !strings.Contains(err.Error(), "not a credential issuer") {
		t.Fatalf("a credential by a stranger: %v", err)
	}
	// The record's bundle tampered with: the record does not verify.
	c.bundle.Block.Time++
	if _, err := c.check(signed); !errors.Is(err, ErrCredential) || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("with a tampered bundle: %v", err)
	}
}

func TestRevokedRecordsCredential(t *testing.T) {
	c := newTestChain(t, true)
	state, err := c.check(c.issue(t, c.cred))
	if err != nil || state != verify.StateRevoked {
		t.Fatalf("credential of a revoked record: state %q, %v", state, err)
	}
}
