package node

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// keyChain executes blocks on a ledger of its own, as the node loop does:
// each block under the configuration the blocks before it left.
type keyChain struct {
	t    *testing.T
	path string
	l    *ledger.Ledger
	st   *chainState
	op   chain.Wallet
	pay  chain.Wallet
	n    uint64 // nonces and payment ids
}

func newKeyChain(t *testing.T, op, att, pay chain.Wallet) *keyChain {
	t.Helper()
	kc := &keyChain{t: t, path: filepath.Join(t.TempDir(), "l.db"), op: op, pay: pay}
	cfg := genesis.ChainConfig{Attesters: []string{att.KeyHex()}, PaymentIssuers: []string{pay.KeyHex()}, ConfigSigners: []string{op.KeyHex()}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	kc.open()
	gm := &pbft.Membership{Members: []pbft.Member{{ID: 1, SignKey: []byte{1}, NetKey: make([]byte, 32)}}}
	if err := kc.l.Init(ledger.Meta{ChainID: testChainID}, gm, b); err != nil {
		t.Fatal(err)
	}
	kc.st = newChainState(testChainID, cfg, 64<<10, 0)
	return kc
}

func (kc *keyChain) open() {
	kc.t.Helper()
	l, err := ledger.Open(kc.path, ledger.Options{NoSync: true})
	if err != nil {
		kc.t.Fatal(err)
	}
	kc.l = l
	kc.t.Cleanup(func() { l.Close() })
}

// restart closes the ledger and reads the configuration back from it, as
// a restarted replica does (Node.loadState).
func (kc *keyChain) restart() {
	kc.t.Helper()
	if err := kc.l.Close(); err != nil {
		kc.t.Fatal(err)
	}
	kc.open()
	err := kc.l.View(func(t *ledger.Tx) error {
		var cc genesis.ChainConfig
		if err := json.Unmarshal(t.ChainConfig(), &cc); err != nil {
			return err
		}
		kc.st = newChainState(testChainID, cc, 64<<10, 0)
		return nil
	})
	if err != nil {
		kc.t.Fatal(err)
	}
}

// exec commits one block of txs and returns their results.
func (kc *keyChain) exec(txs ...*chain.Tx) []ledger.Result {
	kc.t.Helper()
	var fx effects
	err := kc.l.Update(func(t *ledger.Tx) error {
		h := t.Height() + 1
		b := &pbft.Block{Proposer: 1}
		for _, tx := range txs {
			b.Txs = append(b.Txs, encode(kc.t, tx))
		}
		prev, err := t.StateDigest()
		if err != nil {
			return err
		}
		// The chain digest as pbft links it: H(previous || seq || digest).
		d := b.Digest(h)
		var link [32 + 8 + 32]byte
		copy(link[:], prev[:])
		binary.BigEndian.PutUint64(link[32:], h)
		copy(link[40:], d[:])
		c := &pbft.Committed{Seq: h, Block: b, Cert: pbft.Certificate{Seq: h, Digest: d}, StateDigest: sha256.Sum256(link[:])}
		return applyBlock(t, c, kc.st, 64<<10, 0, &fx)
	})
	if err != nil {
		kc.t.Fatal(err)
	}
	if fx.state != nil {
		kc.st = fx.state
	}
	var out []ledger.Result
	for _, d := range fx.done {
		out = append(out, d.result)
	}
	return out
}

// record returns a career.register attested by att with a receipt by pay.
func (kc *keyChain) record(att, pay chain.Wallet) *chain.Tx {
	kc.n++
	return careerTx(kc.t, testChainID, wallet(kc.t, "holder"), pay, att, kc.n, "pay_"+hex.EncodeToString([]byte{byte(kc.n)}), 0)
}

// keys returns a key change signed by by.
func (kc *keyChain) keys(by chain.Wallet, k chain.KeyChange) *chain.Tx {
	kc.n++
	c, err := chain.SignConfig(by.PrivateKey(), chain.Config{ChainID: testChainID, Nonce: kc.n, Keys: &k})
	if err != nil {
		kc.t.Fatal(err)
	}
	return chain.NewConfigTx(c)
}

func (kc *keyChain) status(tx *chain.Tx) ledger.Status {
	kc.t.Helper()
	id, _ := hex32(chain.TxID(tx))
	var s ledger.Status
	err := kc.l.View(func(t *ledger.Tx) error {
		rec, err := t.Record(id)
		if err == nil {
			s = rec.Status
		}
		return err
	})
	if err != nil {
		kc.t.Fatal(err)
	}
	return s
}

func wantCodes(t *testing.T, what string, got []ledger.Result, want ...ledger.Code) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	for i, r := range got {
		if r.Code != want[i] {
			t.Fatalf("%s: transaction %d is %v (%s), want %v", what, i, r.Code, r.Reason, want[i])
		}
	}
}

const acc, rej = ledger.Accepted, ledger.Rejected

// TestKeyChangeExecution: execution applies attester and payment-issuer
// changes in chain order; records attested before a removal keep their
// state, later ones by the removed key are rejected; the sets survive a
// restart.
func TestKeyChangeExecution(t *testing.T) {
	op, a, b, c := wallet(t, "operator"), wallet(t, "attester"), wallet(t, "attester b"), wallet(t, "attester c")
	pay, pay2 := wallet(t, "payment"), wallet(t, "payment 2")
	kc := newKeyChain(t, op, a, pay)

	early := kc.record(a, pay)
	wantCodes(t, "record by the genesis attester", kc.exec(early), acc)
	wantCodes(t, "record by an attester not yet added", kc.exec(kc.record(b, pay)), rej)

	wantCodes(t, "add b", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{b.KeyHex()}})), acc)
	if !slices.Equal(kc.st.cfg.Attesters, []string{a.KeyHex(), b.KeyHex()}) || !kc.st.params.Attesters[b.KeyHex()] {
		t.Fatalf("after adding b: attesters %q", kc.st.cfg.Attesters)
	}
	byB := kc.record(b, pay)
	wantCodes(t, "record by the added attester", kc.exec(byB), acc)

	wantCodes(t, "remove a", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{a.KeyHex()}})), acc)
	late := kc.record(a, pay)
	res := kc.exec(late)
	wantCodes(t, "record by the removed attester", res, rej)
	if !strings.Contains(res[0].Reason, chain.ErrUnknownAttester.Error()) {
		t.Fatalf("rejection %q does not say the attester is not allowed", res[0].Reason)
	}
	if got := kc.status(early); got != ledger.Active {
		t.Fatalf("the record attested before the removal is %v, want active", got)
	}
	// The retired key has lost its power over the records it attested;
	// the holder keeps hers.
	revA, _ := chain.SignRevoke(a.PrivateKey(), chain.Revoke{ChainID: testChainID, Nonce: 1, Target: chain.TxID(early), Reason: "leaked key"})
	wantCodes(t, "revocation by the removed attester", kc.exec(chain.NewRevokeTx(revA)), rej)

	// A change earlier in a block applies to the transactions after it.
	rotate := kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{c.KeyHex()}, Remove: []string{b.KeyHex()}})
	wantCodes(t, "record by b, rotation to c, record by b, record by c",
		kc.exec(kc.record(b, pay), rotate, kc.record(b, pay), kc.record(c, pay)), acc, acc, rej, acc)
	if got := kc.status(byB); got != ledger.Active {
		t.Fatalf("the record b attested before the rotation is %v, want active", got)
	}

	wantCodes(t, "payment issuers rotated", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetPaymentIssuers, Add: []string{pay2.KeyHex()}, Remove: []string{pay.KeyHex()}})), acc)
	wantCodes(t, "receipts by the removed and the added issuer", kc.exec(kc.record(c, pay), kc.record(c, pay2)), rej, acc)

	// Changes that do not apply, and one by a key that is no config signer.
	wantCodes(t, "remove a key not in the set", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{a.KeyHex()}})), rej)
	wantCodes(t, "add a key in the set", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{c.KeyHex()}})), rej)
	res = kc.exec(kc.keys(c, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{a.KeyHex()}}))
	wantCodes(t, "change signed by an attester", res, rej)
	if !strings.Contains(res[0].Reason, chain.ErrUnknownSigner.Error()) {
		t.Fatalf("rejection %q does not say the signer is not allowed", res[0].Reason)
	}
	replay := kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{a.KeyHex()}})
	wantCodes(t, "re-add a, then the same signed change again", kc.exec(replay), acc)
	wantCodes(t, "remove a again", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Remove: []string{a.KeyHex()}})), acc)
	replay.PoW++ // another TxID, the same signed change
	wantCodes(t, "replayed change", kc.exec(replay), rej)

	cred := wallet(t, "credential issuer")
	wantCodes(t, "credential issuer added", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetCredentialIssuers, Add: []string{cred.KeyHex()}})), acc)
	wantCodes(t, "credential issuer added twice", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetCredentialIssuers, Add: []string{cred.KeyHex()}})), rej)

	want := kc.st.cfg
	kc.restart()
	if !slices.Equal(kc.st.cfg.CredentialIssuers, []string{cred.KeyHex()}) {
		t.Fatalf("after a restart: credential issuers %q, want %q", kc.st.cfg.CredentialIssuers, []string{cred.KeyHex()})
	}
	if !slices.Equal(kc.st.cfg.Attesters, want.Attesters) || !slices.Equal(kc.st.cfg.PaymentIssuers, want.PaymentIssuers) ||
		!slices.Equal(kc.st.cfg.Attesters, []string{c.KeyHex()}) || !slices.Equal(kc.st.cfg.PaymentIssuers, []string{pay2.KeyHex()}) {
		t.Fatalf("after a restart: attesters %q, issuers %q; want %q, %q", kc.st.cfg.Attesters, kc.st.cfg.PaymentIssuers, want.Attesters, want.PaymentIssuers)
	}
	wantCodes(t, "after the restart: records by a and by c", kc.exec(kc.record(a, pay2), kc.record(c, pay2)), rej, acc)
}

// TestKeyChangeStatelessChecks: the checks before a vote (admission, a
// forwarded request, block validation) use the sets in force, so a record
// by a removed attester is refused before it reaches a block, and a change
// signed by a key that is no config signer never does.
func TestKeyChangeStatelessChecks(t *testing.T) {
	op, a, b := wallet(t, "operator"), wallet(t, "attester"), wallet(t, "attester b")
	pay := wallet(t, "payment")
	kc := newKeyChain(t, op, a, pay)
	check := func(tx *chain.Tx) error {
		return checkTx(context.Background(), encode(t, tx), kc.st, NopPlugins{}, BlockContext{}).err
	}
	if err := check(kc.record(a, pay)); err != nil {
		t.Fatalf("record by a: %v", err)
	}
	if err := check(kc.keys(a, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{b.KeyHex()}})); !errors.Is(err, chain.ErrUnknownSigner) {
		t.Fatalf("change signed by an attester: %v, want %v", err, chain.ErrUnknownSigner)
	}
	wantCodes(t, "rotate a to b", kc.exec(kc.keys(op, chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{b.KeyHex()}, Remove: []string{a.KeyHex()}})), acc)
	if err := check(kc.record(a, pay)); !errors.Is(err, chain.ErrUnknownAttester) {
		t.Fatalf("record by the removed attester: %v, want %v", err, chain.ErrUnknownAttester)
	}
	if err := check(kc.record(b, pay)); err != nil {
		t.Fatalf("record by the added attester: %v", err)
	}
	v := &validator{state: func() *chainState { return kc.st }, plugins: NopPlugins{}, cache: newCheckCache(),
		timeout: func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
		parallel: func(n int, fn func(int)) {
			for i := range n {
				fn(i)
			}
		}}
	blk := &pbft.Block{Proposer: 1, Txs: [][]byte{encode(t, kc.record(a, pay))}}
	if got := v.ValidateBlock(100, blk); got != pbft.Reject {
		t.Fatalf("block with a record by the removed attester: %v, want reject", got)
	}
}

// TestKeyChangeCluster runs attester changes through a 4-replica cluster:
// admission, consensus and execution follow the sets in force, the old
// record stays readable, and a restart of every replica keeps the sets.
func TestKeyChangeCluster(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	newAtt := wallet(t, "attester 2")
	holder := wallet(t, "h-keys")
	record := func(att chain.Wallet, nonce uint64) *chain.Tx {
		return careerTx(t, testChainID, holder, c.payment, att, nonce, "pay_keys_"+string(rune('a'+nonce)), 0)
	}
	old := record(c.attester, 1)
	if res := c.submit(t, 0, old); res.Status != "accepted" {
		t.Fatalf("record by the genesis attester: %+v", res)
	}
	var e apiErr
	if code := post(t, c.url(1, "/api/v1/tx"), encode(t, record(newAtt, 2)), &e); code != 400 || e.Code != "unknown_attester" {
		t.Fatalf("record by an attester not yet added: %d %+v", code, e)
	}
	rotate := configTx(t, c, chain.Config{Nonce: 10, Keys: &chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{newAtt.KeyHex()}, Remove: []string{c.attester.KeyHex()}}})
	res := c.submit(t, 1, rotate)
	if res.Status != "accepted" {
		t.Fatalf("rotation: %+v", res)
	}
	c.waitHeight(t, res.Height, all(4)...)
	byNew := c.submit(t, 2, record(newAtt, 3))
	if byNew.Status != "accepted" {
		t.Fatalf("record by the added attester: %+v", byNew)
	}
	// Light clients trust the genesis alone: the proof bundles carry the
	// rotation, so the record by the added attester verifies, and so does
	// the one attested before the removal.
	tr := genesisTrust(t, c)
	if b := proofOf(t, c, 3, byNew.TxID, byNew.Height, tr); len(b.KeyChanges) != 1 {
		t.Fatalf("the bundle of a record by the added attester carries %d key changes, want 1", len(b.KeyChanges))
	}
	proofOf(t, c, 1, chain.TxID(old), byNew.Height, tr)
	for i := range 4 {
		if code := post(t, c.url(i, "/api/v1/tx"), encode(t, record(c.attester, 4)), &e); code != 400 || e.Code != "unknown_attester" {
			t.Fatalf("replica %d admitted a record by the removed attester: %d %+v", i+1, code, e)
		}
	}
	var v client.TxView
	if code := get(t, c.url(3, "/api/v1/tx/"+chain.TxID(old)), &v); code != 200 || v.Result != "accepted" || v.Record == nil || v.Record.Status != "active" {
		t.Fatalf("the record attested before the removal: %d %+v", code, v)
	}
	forged, err := chain.SignConfig(newAtt.PrivateKey(), chain.Config{ChainID: testChainID, Nonce: 11,
		Keys: &chain.KeyChange{Set: chain.KeySetAttesters, Add: []string{c.attester.KeyHex()}}})
	if err != nil {
		t.Fatal(err)
	}
	if code := post(t, c.url(0, "/api/v1/tx"), encode(t, chain.NewConfigTx(forged)), &e); code != 400 || e.Code != "unknown_signer" {
		t.Fatalf("key change signed by an attester: %d %+v", code, e)
	}

	c.stopAll()
	for i := range 4 {
		c.start(i)
	}
	if code := post(t, c.url(0, "/api/v1/tx"), encode(t, record(c.attester, 5)), &e); code != 400 || e.Code != "unknown_attester" {
		t.Fatalf("after a restart, a record by the removed attester: %d %+v", code, e)
	}
	if res := c.submit(t, 0, record(newAtt, 6)); res.Status != "accepted" {
		t.Fatalf("after a restart, a record by the added attester: %+v", res)
	}
}
