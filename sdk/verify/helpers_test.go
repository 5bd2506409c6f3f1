package verify_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// The helpers build real chains: ML-DSA replica keys signing COMMITs the
// way pbft does, and sdk/chain transactions signed by holder, payment and
// attester keys. They panic on errors that are bugs in the test, so that
// the examples can use them too.

const testChainID = "careerchain-test"

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func testSeed(label string) [32]byte {
	return sha256.Sum256([]byte("careerchain verify test " + label))
}

func testWallet(label string) chain.Wallet {
	s := testSeed(label)
	return must(chain.WalletFromSeed(s[:]))
}

// testNet is a chain being built block by block.
type testNet struct {
	chainID                                      string
	holder, issuer, attester, operator, stranger chain.Wallet
	signers                                      map[uint64]*pbft.MLDSASigner
	genesis, m                                   *pbft.Membership
	blocks                                       []*pbft.Block // blocks[h-1] is at height h
	certs                                        []*pbft.Certificate
	changes                                      []verify.Change
	keyTxs                                       []*chain.Tx // key changes the replicas accepted
	nonce                                        uint64
}

// newNet starts a chain whose genesis membership has the given replica IDs.
// Replica keys depend on the ID only, so two nets share them.
func newNet(chainID string, ids ...uint64) *testNet {
	n := &testNet{chainID: chainID, signers: map[uint64]*pbft.MLDSASigner{},
		holder: testWallet("holder"), issuer: testWallet("issuer"), attester: testWallet("attester"),
		operator: testWallet("operator"), stranger: testWallet("stranger")}
	n.genesis = n.membership(0, ids...)
	n.m = n.genesis
	return n
}

// membership returns a membership of the given epoch and replica IDs
// (ascending).
func (n *testNet) membership(epoch uint64, ids ...uint64) *pbft.Membership {
	m := &pbft.Membership{Epoch: epoch}
	for _, id := range ids {
		m.Members = append(m.Members, pbft.Member{ID: id, SignKey: n.signKey(id), NetKey: n.operator.PublicKey(),
			Addr: fmt.Sprintf("127.0.0.1:%d", 7400+id), API: fmt.Sprintf("http://127.0.0.1:%d", 7500+id)})
	}
	return m
}

func (n *testNet) signKey(id uint64) []byte {
	s, pub := pbft.NewMLDSASigner(testSeed(fmt.Sprint("replica ", id)))
	n.signers[id] = s
	return pub
}

func (n *testNet) trust() verify.Trust {
	return verify.Trust{ChainID: n.chainID, Membership: n.genesis, Keys: []verify.KeySet{{From: 1,
		Attesters: []string{n.attester.KeyHex()}, PaymentIssuers: []string{n.issuer.KeyHex()}, ConfigSigners: []string{n.operator.KeyHex()}}}}
}

// genesisJSON returns the net's genesis in the replica's file format.
func (n *testNet) genesisJSON() []byte {
	type member struct {
		ID      uint64 `json:"id"`
		SignKey string `json:"sign_key"`
		NetKey  string `json:"net_key"`
		Addr    string `json:"addr"`
		API     string `json:"api"`
	}
	g := map[string]any{"chain_id": n.chainID, "time": "2024-01-01T00:00:00Z", "config": map[string]any{
		"pow_difficulty": 0, "attesters": []string{n.attester.KeyHex()}, "payment_issuers": []string{n.issuer.KeyHex()},
		"config_signers": []string{n.operator.KeyHex()}}}
	var ms []member
	for i := len(n.genesis.Members) - 1; i >= 0; i-- { // the file need not be sorted
		mb := n.genesis.Members[i]
		ms = append(ms, member{mb.ID, hex.EncodeToString(mb.SignKey), hex.EncodeToString(mb.NetKey), mb.Addr, mb.API})
	}
	g["members"] = ms
	return must(json.MarshalIndent(g, "", "  "))
}

// sign returns the certificate of block digest d at seq by the signers,
// voting in epoch on chain chainID.
func (n *testNet) sign(chainID string, epoch, view, seq uint64, d pbft.Hash, signers ...uint64) *pbft.Certificate {
	c := &pbft.Certificate{Epoch: epoch, View: view, Seq: seq, Digest: d}
	for _, id := range signers {
		msg := (&pbft.Message{Type: pbft.MsgCommit, From: id, Epoch: epoch, View: view, Seq: seq, Digest: d}).SigningBytes(chainID)
		c.Sigs = append(c.Sigs, pbft.CommitSig{Replica: id, Sig: n.signers[id].Sign(msg)})
	}
	return c
}

// quorum returns the IDs of the first quorum of m.
func quorum(m *pbft.Membership) []uint64 {
	var ids []uint64
	for _, mb := range m.Members[:m.Quorum()] {
		ids = append(ids, mb.ID)
	}
	return ids
}

// commit appends a block of txs (a reconfiguration block if cfg is set),
// certified by a quorum of the membership in force, and returns its height.
func (n *testNet) commit(cfg *pbft.Membership, txs ...*chain.Tx) uint64 {
	h := uint64(len(n.blocks) + 1)
	b := &pbft.Block{View: 0, Proposer: n.m.Primary(0), Time: 1_700_000_000_000 + int64(h)*1000, Config: cfg}
	for _, tx := range txs {
		b.Txs = append(b.Txs, must(chain.EncodeTx(tx)))
	}
	cert := n.sign(n.chainID, n.m.Epoch, 0, h, b.Digest(h), quorum(n.m)...)
	n.blocks, n.certs = append(n.blocks, b), append(n.certs, cert)
	if cfg != nil {
		n.changes = append(n.changes, must(verify.NewChange(h, b, cert)))
		n.m = cfg
	}
	return h
}

// reconfigure commits a membership change to the given IDs.
func (n *testNet) reconfigure(ids ...uint64) uint64 {
	next := n.membership(n.m.Epoch+1, ids...)
	c := must(chain.SignConfig(n.operator.PrivateKey(), chain.Config{ChainID: n.chainID, Nonce: n.next(), Membership: pbft.EncodeMembership(next)}))
	return n.commit(next, chain.NewConfigTx(c))
}

func (n *testNet) next() uint64 { n.nonce++; return n.nonce }

// keys returns a key change signed by by; accept it (commit it and list
// it in bundles) with accept.
func (n *testNet) keys(by chain.Wallet, k chain.KeyChange) *chain.Tx {
	return chain.NewConfigTx(must(chain.SignConfig(by.PrivateKey(), chain.Config{ChainID: n.chainID, Nonce: n.next(), Keys: &k})))
}

// accept records key changes, committed already, as accepted by the
// replicas: bundles list them.
func (n *testNet) accept(txs ...*chain.Tx) { n.keyTxs = append(n.keyTxs, txs...) }

// careerOpts changes a career transaction as it is made.
type careerOpts struct {
	supersedes string        // makes it a career.amend
	issuer     *chain.Wallet // instead of n.issuer
	attester   *chain.Wallet // instead of n.attester
}

func (n *testNet) career(o careerOpts) *chain.Tx {
	nonce := n.next()
	s := chain.NewStatement(n.holder, n.chainID, nonce, chain.Claim{Role: "Backend engineer", Organisation: "Acme Ltd",
		Start: "2021-03-01", End: "2023-08-31", Skills: []string{"Go"}, Description: fmt.Sprintf("engagement %d", nonce)})
	if o.supersedes != "" {
		s.Type, s.Supersedes = chain.TypeAmend, o.supersedes
	}
	sig := must(chain.SignStatement(n.holder, s))
	issuer, attester := n.issuer, n.attester
	if o.issuer != nil {
		issuer = *o.issuer
	}
	if o.attester != nil {
		attester = *o.attester
	}
	r := must(chain.SignReceipt(issuer.PrivateKey(), chain.NewReceipt("sandbox", fmt.Sprint("pay_", nonce), 5000, "KRW", s.Digest())))
	a := must(chain.Attest(attester.PrivateKey(), s, r, 1_700_000_000))
	return chain.NewCareerTx(s, sig, r, a)
}

func (n *testNet) revoke(by chain.Wallet, target, reason string) *chain.Tx {
	return chain.NewRevokeTx(must(chain.SignRevoke(by.PrivateKey(), chain.Revoke{ChainID: n.chainID, Nonce: n.next(), Target: target, Reason: reason})))
}

// inclusion returns the inclusion proof of a committed transaction.
func (n *testNet) inclusion(tx *chain.Tx) verify.Inclusion {
	raw := must(chain.EncodeTx(tx))
	for i, b := range n.blocks {
		for j, t := range b.Txs {
			if string(t) == string(raw) {
				return must(verify.NewInclusion(uint64(i+1), b, n.certs[i], j))
			}
		}
	}
	panic("transaction not committed")
}

// bundle returns the bundle of a committed record, active as of the
// chain's height.
func (n *testNet) bundle(tx *chain.Tx) *verify.Bundle {
	b := &verify.Bundle{Version: verify.Version, ChainID: n.chainID, Inclusion: n.inclusion(tx),
		Memberships: append([]verify.Change{}, n.changes...), Status: verify.Status{State: verify.StateActive, AsOf: uint64(len(n.blocks))}}
	for _, k := range n.keyTxs {
		b.KeyChanges = append(b.KeyChanges, n.inclusion(k))
	}
	return b
}

// amended returns the bundle of a record amended by amend.
func (n *testNet) amended(tx, amend *chain.Tx) *verify.Bundle {
	b := n.bundle(tx)
	ev := n.inclusion(amend)
	b.Status = verify.Status{State: verify.StateAmended, AsOf: uint64(len(n.blocks)), By: ev.TxID, Evidence: &ev}
	return b
}

// revoked returns the bundle of a record revoked by rev.
func (n *testNet) revoked(tx, rev *chain.Tx) *verify.Bundle {
	b := n.bundle(tx)
	ev := n.inclusion(rev)
	b.Status = verify.Status{State: verify.StateRevoked, AsOf: uint64(len(n.blocks)), By: ev.TxID,
		Reason: rev.Revoke.Reason, Revoker: rev.Revoke.By, Evidence: &ev}
	return b
}
