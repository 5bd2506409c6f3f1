package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

type apiErr struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func TestAPIBadInput(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	holder := wallet(t, "holder")
	good := c.careerTx(t, holder, 1)
	res := c.submit(t, 0, good)
	goodID := res.TxID

	badSig := c.careerTx(t, holder, 2)
	badSig.Career.HolderSig = strings.Repeat("ab", 64)
	stranger := wallet(t, "stranger")
	unknownIssuer := careerTx(t, testChainID, holder, stranger, c.attester, 3, "pay_x", 0)
	replayStmt := *good
	replayStmt.PoW = 7 // same signed statement, another TxID
	samePayment := careerTx(t, testChainID, holder, c.payment, c.attester, 4, good.Career.Receipt.PaymentID, 0)
	wrongChain := careerTx(t, "other-chain", holder, c.payment, c.attester, 5, "pay_y", 0)
	amendMissing := c.careerTx(t, holder, 6)
	amendMissing.Type = chain.TypeAmend

	addr := holder.Address()
	mistyped := addr[:len(addr)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", addr[len(addr)-1])+1)%16])

	for _, tc := range []struct {
		name, method, path string
		body               []byte
		status             int
		code               string
	}{
		{"malformed JSON", "POST", "/api/v1/tx", []byte(`{"type":`), 400, "malformed_json"},
		{"not an object", "POST", "/api/v1/tx", []byte(`[1,2]`), 400, "malformed_json"},
		{"wrong field type", "POST", "/api/v1/tx", []byte(`{"type":"career.register","pow":"seven"}`), 400, "malformed_json"},
		{"unknown field", "POST", "/api/v1/tx", []byte(`{"type":"career.register","surprise":1}`), 400, "malformed_json"},
		{"trailing data", "POST", "/api/v1/tx", append(encode(t, good), '{'), 400, "malformed_json"},
		{"empty body", "POST", "/api/v1/tx", nil, 400, "malformed_json"},
		{"no body for type", "POST", "/api/v1/tx", []byte(`{"type":"career.register","pow":0}`), 400, "malformed"},
		{"oversized", "POST", "/api/v1/tx", bytes.Repeat([]byte(" "), 300<<10), 413, "too_large"},
		{"bad signature", "POST", "/api/v1/tx", encode(t, badSig), 400, "bad_signature"},
		{"unknown issuer", "POST", "/api/v1/tx", encode(t, unknownIssuer), 400, "unknown_issuer"},
		{"wrong chain", "POST", "/api/v1/tx", encode(t, wrongChain), 400, "wrong_chain"},
		{"replay", "POST", "/api/v1/tx", encode(t, good), 409, "replay"},
		{"replayed statement", "POST", "/api/v1/tx", encode(t, &replayStmt), 409, "replay"},
		{"payment reused", "POST", "/api/v1/tx", encode(t, samePayment), 409, "payment_used"},
		{"amend of unknown record", "POST", "/api/v1/tx", encode(t, signedAmend(t, c, holder, amendMissing, strings.Repeat("00", 32))), 404, "unknown_target"},
		{"tx id not hex", "GET", "/api/v1/tx/zz", nil, 400, "bad_txid"},
		{"tx id short", "GET", "/api/v1/tx/abcd", nil, 400, "bad_txid"},
		{"unknown tx", "GET", "/api/v1/tx/" + strings.Repeat("ab", 32), nil, 404, "not_found"},
		{"bad address", "GET", "/api/v1/address/nope/careers", nil, 400, "bad_address"},
		{"address checksum", "GET", "/api/v1/address/" + mistyped + "/careers", nil, 400, "bad_address_checksum"},
		{"unknown address", "GET", "/api/v1/address/" + stranger.Address() + "/careers", nil, 404, "not_found"},
		{"bad limit", "GET", "/api/v1/address/" + addr + "/careers?limit=-1", nil, 400, "bad_limit"},
		{"huge limit", "GET", "/api/v1/address/" + addr + "/careers?limit=99999999999999999999", nil, 400, "bad_limit"},
		{"bad cursor", "GET", "/api/v1/address/" + addr + "/careers?after=" + strings.Repeat("cd", 32), nil, 400, "bad_cursor"},
		{"bad height", "GET", "/api/v1/blocks/-3", nil, 400, "bad_height"},
		{"zero height", "GET", "/api/v1/blocks/0", nil, 400, "bad_height"},
		{"future block", "GET", "/api/v1/blocks/999999", nil, 404, "not_found"},
		{"no such endpoint", "GET", "/api/v1/nothing", nil, 404, "not_found"},
		{"wrong method", "DELETE", "/api/v1/tx", nil, 405, "method_not_allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, c.url(0, tc.path), bytes.NewReader(tc.body))
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e apiErr
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if resp.StatusCode != tc.status || e.Code != tc.code || e.Error == "" {
				t.Fatalf("got %d %+v, want %d %s", resp.StatusCode, e, tc.status, tc.code)
			}
		})
	}
	if got := goodID; got != chain.TxID(good) {
		t.Fatalf("txid %s, want %s", got, chain.TxID(good))
	}
}

func signedAmend(t testing.TB, c *cluster, holder chain.Wallet, tx *chain.Tx, supersedes string) *chain.Tx {
	t.Helper()
	s := tx.Career.Statement
	s.Type, s.Supersedes = chain.TypeAmend, supersedes
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(c.payment.PrivateKey(), chain.NewReceipt("sandbox", fmt.Sprintf("pay_amend_%d", s.Nonce), 5000, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(c.attester.PrivateKey(), s, r, 1700000001)
	if err != nil {
		t.Fatal(err)
	}
	return chain.NewCareerTx(s, sig, r, a)
}

func revokeTx(t testing.TB, by chain.Wallet, target, reason string, nonce uint64) *chain.Tx {
	t.Helper()
	r, err := chain.SignRevoke(by.PrivateKey(), chain.Revoke{ChainID: testChainID, Nonce: nonce, Target: target, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	return chain.NewRevokeTx(r)
}

// TestExecutionRules commits transactions that are valid on their own but
// break a state rule, through the core directly (bypassing the API's
// pre-checks), and checks the recorded result of each.
func TestExecutionRules(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	alice, bob, stranger := wallet(t, "alice"), wallet(t, "bob"), wallet(t, "stranger")
	reg := c.careerTx(t, alice, 1)
	regID := c.submit(t, 0, reg).TxID
	bobReg := c.careerTx(t, bob, 1)
	bobID := c.submit(t, 0, bobReg).TxID

	amend := signedAmend(t, c, alice, c.careerTx(t, alice, 2), regID)
	amendID := c.submit(t, 0, amend).TxID
	// Bob amends Alice's record: his own signature, valid alone.
	bobAmend := signedAmend(t, c, bob, c.careerTx(t, bob, 3), amendID)

	for _, tc := range []struct {
		name   string
		tx     *chain.Tx
		want   string
		reason string
	}{
		{"amend someone else's record", bobAmend, "rejected", "another holder"},
		{"amend a superseded record", signedAmend(t, c, alice, c.careerTx(t, alice, 4), regID), "rejected", "already superseded"},
		{"revoke by a stranger", revokeTx(t, stranger, amendID, "no", 1), "rejected", "only the holder or the attester"},
		{"revoke of nothing", revokeTx(t, alice, strings.Repeat("11", 32), "gone", 2), "rejected", "not found"},
		{"payment id used twice", careerTx(t, testChainID, alice, c.payment, c.attester, 5, reg.Career.Receipt.PaymentID, 0), "rejected", "payment id"},
		{"revoke by the attester", revokeTx(t, c.attester, bobID, "error in dates", 3), "accepted", ""},
		{"revoke twice", revokeTx(t, bob, bobID, "again", 4), "rejected", "already revoked"},
		{"revoke by the holder", revokeTx(t, alice, amendID, "left", 5), "accepted", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.commitRaw(t, 0, encode(t, tc.tx))
			if res.Status != tc.want || !strings.Contains(res.Reason, tc.reason) {
				t.Fatalf("got %+v, want %s containing %q", res, tc.want, tc.reason)
			}
		})
	}
	// The same bytes twice in one block: the second is a replay.
	raw := encode(t, c.careerTx(t, wallet(t, "carol"), 1))
	first, second := c.commitPair(t, 0, raw)
	if first.Status != "accepted" || second.Status != "rejected" || !strings.Contains(second.Reason, "replay") {
		t.Fatalf("duplicate in one block: %+v then %+v", first, second)
	}

	var v client.TxView
	if get(t, c.url(0, "/api/v1/tx/"+regID), &v) != 200 || v.Record == nil || v.Record.Status != "superseded" || v.Record.SupersededBy != amendID {
		t.Fatalf("original record: %+v", v.Record)
	}
	if get(t, c.url(0, "/api/v1/tx/"+amendID), &v) != 200 || v.Record.Status != "revoked" || v.Record.Reason != "left" {
		t.Fatalf("amended record: %+v", v.Record)
	}
	checkProof(t, &v)

	var page client.CareerPage
	if get(t, c.url(0, "/api/v1/address/"+alice.Address()+"/careers"), &page) != 200 || len(page.Items) != 3 {
		t.Fatalf("alice's careers: %+v", page)
	}
	if page.Items[0].TxID != regID || page.Items[0].Type != chain.TypeRegister || page.Items[1].Type != chain.TypeAmend || page.Items[2].Type != chain.TypeRevoke {
		t.Fatalf("alice's careers out of order: %+v", page.Items)
	}
}

// commitRaw proposes raw bytes through the loop, as a peer's forwarded
// request would arrive, and waits for the result.
func (c *cluster) commitRaw(t testing.TB, i int, raw []byte) client.SubmitResult {
	t.Helper()
	nd := c.node(i)
	id := sha256.Sum256(raw)
	done, cancel := nd.waiters.add(id)
	defer cancel()
	if err := nd.submit(context.Background(), proposal{raw: raw, id: id}); err != nil {
		t.Fatal(err)
	}
	d := <-done
	return client.SubmitResult{TxID: hex.EncodeToString(id[:]), Status: d.result.Code.String(), Height: d.height, Reason: d.result.Reason}
}

// commitPair executes a block holding the same bytes twice, as the loop
// would, in a ledger transaction that is then rolled back.
func (c *cluster) commitPair(t testing.TB, i int, raw []byte) (client.SubmitResult, client.SubmitResult) {
	t.Helper()
	nd := c.node(i)
	var fx effects
	errRollback := errors.New("rollback")
	err := nd.led.Update(func(tx *ledger.Tx) error {
		h := tx.Height() + 1
		cm := pbft.Committed{Seq: h, Block: &pbft.Block{Txs: [][]byte{raw, raw}}, Cert: pbft.Certificate{Seq: h}}
		if err := applyBlock(tx, &cm, nd.state.Load(), 64<<10, 0, &fx); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) || len(fx.done) != 2 {
		t.Fatalf("execute: %v, %d results", err, len(fx.done))
	}
	conv := func(d committedTx) client.SubmitResult {
		return client.SubmitResult{Status: d.result.Code.String(), Reason: d.result.Reason}
	}
	return conv(fx.done[0]), conv(fx.done[1])
}

func checkProof(t *testing.T, v *client.TxView) {
	t.Helper()
	id, _ := hex32(v.TxID)
	root, _ := hex32(v.Block.TxRoot)
	if !chain.VerifyMerkleProof(id[:], root, v.Index, v.Block.TxCount, v.Proof) {
		t.Fatalf("the Merkle proof of %s does not verify", v.TxID)
	}
	if sum := sha256.Sum256(v.Tx); hex.EncodeToString(sum[:]) != v.TxID {
		t.Fatalf("the served transaction does not hash to its TxID")
	}
}
