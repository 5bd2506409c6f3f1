package node

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// membershipAgreement reads replica i's core membership (Status) between
// two reads of its ledger's membership history; when the ledger did not
// change meanwhile, the two must name the same epoch and members.
func (c *cluster) membershipAgreement(t *testing.T, i int) (agree, settled bool, epoch uint64, n int) {
	t.Helper()
	ledgerTail := func() (client.MembershipEntry, bool) {
		var h client.MembershipHistory
		if get(t, c.url(i, "/api/v1/membership"), &h) != http.StatusOK || len(h.History) == 0 {
			return client.MembershipEntry{}, false
		}
		return h.History[len(h.History)-1], true
	}
	a, ok1 := ledgerTail()
	st := c.node(i).Status()
	b, ok2 := ledgerTail()
	if !ok1 || !ok2 || a.Epoch != b.Epoch || a.From > st.Height+1 {
		return true, false, 0, 0 // the ledger moved meanwhile, or is ahead of the published status
	}
	return st.Epoch == a.Epoch && len(st.Members) == len(a.Members), true, st.Epoch, len(st.Members)
}

// TestReconfigAfterPoWRaiseCoreAndLedgerAgree is case 6: a reconfiguration
// block right after a block that raises the PoW difficulty, its
// authorising transaction unstamped (checked when the difficulty was still
// 0). Execution rejects such a transaction; the core switches membership
// on commit. Backups judge the block against the chain before it, so they
// refuse it, and the core and the ledger never disagree about the
// membership. A stamped one then commits, and the ledger records the
// membership the core reports (Committed.Membership); a restart resumes
// with the same quorum and primary.
func TestReconfigAfterPoWRaiseCoreAndLedgerAgree(t *testing.T) {
	c := newCluster(t, 5, false, nil)
	c.submit(t, 0, c.careerTx(t, wallet(t, "h0"), 0))
	gm, err := c.genesis.Membership()
	if err != nil {
		t.Fatal(err)
	}
	next := &pbft.Membership{Epoch: gm.Epoch + 1, Members: gm.Members[:4]} // replica 5 leaves: n 5 → 4
	const d = 10
	membershipTx := func(difficulty uint8) []byte {
		tx := configTx(t, c, chain.Config{Nonce: next.Epoch, Membership: pbft.EncodeMembership(next)})
		if err := chain.Mine(t.Context(), tx, difficulty); err != nil {
			t.Fatal(err)
		}
		return encode(t, tx)
	}

	// Hold every COMMIT back, so the PoW raise stays in flight while the
	// unstamped reconfiguration reaches the primary and passes its
	// admission checks (difficulty 0 then); the backups' longer, so the
	// primary executes the PoW raise and proposes the reconfiguration
	// while they still wait for it: their cores judge the reconfiguration
	// the moment they execute the raise, before their nodes applied it.
	c.mem.SetHook(func(from, to uint64, class quicnet.Class, data []byte) quicnet.Verdict {
		if m, err := pbft.Decode(data, pbft.MaxMessageSize); err == nil && m.Type == pbft.MsgCommit {
			if to == 1 {
				return quicnet.Verdict{Delay: 400 * time.Millisecond}
			}
			return quicnet.Verdict{Delay: 700 * time.Millisecond}
		}
		return quicnet.Verdict{}
	})
	powDone := make(chan client.SubmitResult, 1)
	go func() {
		dd := uint8(d)
		powDone <- c.submit(t, 0, configTx(t, c, chain.Config{Nonce: 100, PoWDifficulty: &dd}))
	}()
	deadline := time.Now().Add(30 * time.Second)
	for c.node(0).Status().Pending == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the PoW raise never reached the primary")
		}
		time.Sleep(time.Millisecond)
	}
	cfgDone := make(chan int, 1)
	go func() {
		resp, err := httpClient.Post(c.url(0, "/api/v1/tx"), "application/json", bytes.NewReader(membershipTx(0)))
		if err != nil {
			cfgDone <- 0
			return
		}
		resp.Body.Close()
		cfgDone <- resp.StatusCode
	}()
	if code := <-cfgDone; code != http.StatusAccepted && code != http.StatusOK {
		t.Fatalf("the unstamped reconfiguration was not admitted before the PoW raise executed: %d", code)
	}
	c.mem.SetHook(nil)
	if res := <-powDone; res.Status != "accepted" {
		t.Fatalf("PoW raise: %+v", res)
	}

	// Watch every replica for a while: never a disagreement, and the
	// unstamped reconfiguration never takes effect.
	var lastCode atomic.Value
	lastCode.Store("none yet")
	watch := func(until func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !until() {
			for i := range 5 {
				if c.node(i) == nil {
					continue
				}
				if agree, settled, epoch, n := c.membershipAgreement(t, i); settled && !agree {
					t.Fatalf("replica %d: the core runs epoch %d with %d members, the ledger records otherwise", i+1, epoch, n)
				}
			}
			if time.Now().After(deadline) {
				for i := range 5 {
					if nd := c.node(i); nd != nil {
						st := nd.Status()
						t.Logf("replica %d: view %d leader %d vc=%v height %d epoch %d members %d pending %d", i+1, st.View, st.Leader, st.InViewChange, st.Height, st.Epoch, len(st.Members), st.Pending)
					}
				}
				t.Logf("last answer to the stamped submission: %v", lastCode.Load())
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	start := time.Now()
	watch(func() bool { return time.Since(start) > 2*time.Second }, "two seconds")
	for i := range 5 {
		if st := c.node(i).Status(); st.Epoch != gm.Epoch {
			t.Fatalf("replica %d switched to epoch %d on an unstamped reconfiguration", i+1, st.Epoch)
		}
	}

	// A stamped reconfiguration, to whichever replica leads now.
	stamped := membershipTx(d)
	go func() {
		for k := 0; time.Since(start) < 2*time.Minute; k++ {
			i := k % 4 // whichever is the leader admits it; the others answer 307
			resp, err := httpClient.Post(c.url(i, "/api/v1/tx"), "application/json", bytes.NewReader(stamped))
			if err == nil {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				lastCode.Store(fmt.Sprintf("replica %d: %d %s", i+1, resp.StatusCode, body))
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusConflict {
					return
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	watch(func() bool {
		for i := range 4 {
			if st := c.node(i).Status(); st.Epoch != next.Epoch || len(st.Members) != 4 {
				return false
			}
		}
		return true
	}, "the stamped reconfiguration")
	for i := range 4 {
		if agree, settled, _, _ := c.membershipAgreement(t, i); !settled || !agree {
			t.Fatalf("replica %d: core and ledger membership differ after the reconfiguration", i+1)
		}
	}
	mined := func(label string, nonce uint64) *chain.Tx {
		return careerTx(t, testChainID, wallet(t, label), c.payment, c.attester, nonce, "pay_"+label, d)
	}
	if res := c.submit(t, 0, mined("h1", 1)); res.Status != "accepted" {
		t.Fatalf("after the reconfiguration: %+v", res)
	}

	// Restart the four members: each resumes with the quorum and primary
	// it had, from its ledger's membership.
	before := make([]client.Status, 4)
	for i := range 4 {
		before[i] = c.node(i).Status()
	}
	c.stopAll()
	for i := range 4 {
		c.start(i)
	}
	for i := range 4 {
		st := c.node(i).Status()
		if st.Epoch != before[i].Epoch || len(st.Members) != len(before[i].Members) || st.Leader != before[i].Leader || st.View != before[i].View {
			t.Fatalf("replica %d: before the restart epoch %d, %d members, view %d, leader %d; after it %d, %d, %d, %d", i+1,
				before[i].Epoch, len(before[i].Members), before[i].View, before[i].Leader, st.Epoch, len(st.Members), st.View, st.Leader)
		}
		if agree, settled, _, _ := c.membershipAgreement(t, i); !settled || !agree {
			t.Fatalf("replica %d: core and ledger membership differ after the restart", i+1)
		}
	}
	if res := c.submit(t, 0, mined("h2", 2)); res.Status != "accepted" {
		t.Fatalf("after the restart: %+v", res)
	}
}

// TestExecutionFollowsCoreMembership checks the execution rule of case 6
// deterministically: the ledger records a membership exactly when the core
// says the block put one in force (Committed.Membership), whatever
// execution says of the authorising transaction, and never re-derives one
// from a block's Config on its own.
func TestExecutionFollowsCoreMembership(t *testing.T) {
	l, err := ledger.Open(filepath.Join(t.TempDir(), "l.db"), ledger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	op := wallet(t, "operator")
	gm := &pbft.Membership{Members: []pbft.Member{{ID: 1, SignKey: []byte{1}, NetKey: make([]byte, 32)}}}
	if err := l.Init(ledger.Meta{ChainID: testChainID}, gm, nil); err != nil {
		t.Fatal(err)
	}
	next := &pbft.Membership{Epoch: 1, Members: gm.Members}
	signed, err := chain.SignConfig(op.PrivateKey(), chain.Config{ChainID: testChainID, Nonce: 1, Membership: pbft.EncodeMembership(next)})
	if err != nil {
		t.Fatal(err)
	}
	raw := encode(t, chain.NewConfigTx(signed)) // unstamped: execution rejects it at difficulty 10
	st := newChainState(testChainID, genesis.ChainConfig{ConfigSigners: []string{op.KeyHex()}, PoWDifficulty: 10}, 64<<10, 0)
	blk := &pbft.Block{Config: next, Txs: [][]byte{raw}}
	for _, tc := range []struct {
		name  string
		core  *pbft.Membership
		epoch uint64
	}{
		{"the core did not switch", nil, 0},
		{"the core switched", next, 1},
	} {
		var fx effects
		err := l.Update(func(tx *ledger.Tx) error {
			h := tx.Height() + 1
			if err := applyBlock(tx, &pbft.Committed{Seq: h, Block: blk, Membership: tc.core}, st, 64<<10, 0, &fx); err != nil {
				return err
			}
			m, err := tx.MembershipAt(h + 1)
			if err != nil {
				return err
			}
			if m.Epoch != tc.epoch || (fx.membership != nil) != (tc.core != nil) {
				t.Errorf("%s: the ledger has epoch %d (want %d), transport peers changed: %v", tc.name, m.Epoch, tc.epoch, fx.membership != nil)
			}
			if fx.done[0].result.Code != ledger.Rejected {
				t.Errorf("%s: the unstamped transaction executed: %+v", tc.name, fx.done[0].result)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestLeaderSwapViewFromBlock is case 9: the view a committed leader swap
// asks the core to move past is the block's own (part of its digest), the
// same on every replica, not the view of this replica's certificate,
// which differs between replicas that committed the block in different
// views.
func TestLeaderSwapViewFromBlock(t *testing.T) {
	l, err := ledger.Open(filepath.Join(t.TempDir(), "l.db"), ledger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	op := wallet(t, "operator")
	gm := &pbft.Membership{Members: []pbft.Member{{ID: 1, SignKey: []byte{1}, NetKey: make([]byte, 32)}, {ID: 2, SignKey: []byte{2}, NetKey: make([]byte, 32)}}}
	if err := l.Init(ledger.Meta{ChainID: testChainID}, gm, nil); err != nil {
		t.Fatal(err)
	}
	leader := uint64(2)
	signed, err := chain.SignConfig(op.PrivateKey(), chain.Config{ChainID: testChainID, Nonce: 1, Leader: &leader})
	if err != nil {
		t.Fatal(err)
	}
	st := newChainState(testChainID, genesis.ChainConfig{ConfigSigners: []string{op.KeyHex()}}, 64<<10, 0)
	blk := &pbft.Block{View: 3, Proposer: 2, Txs: [][]byte{encode(t, chain.NewConfigTx(signed))}}
	for _, certView := range []uint64{3, 7} { // committed in the block's view, and re-committed after a view change
		var fx effects
		err := l.Update(func(tx *ledger.Tx) error {
			return applyBlock(tx, &pbft.Committed{Seq: 1, Block: blk, Cert: pbft.Certificate{View: certView, Seq: 1}}, st, 64<<10, 0, &fx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if fx.leader == nil || fx.leader.id != leader || fx.leader.view != blk.View {
			t.Fatalf("certificate of view %d: leader swap %+v, want leader %d from view %d", certView, fx.leader, leader, blk.View)
		}
		// Block 1 is on chain now: a fresh ledger for the next case.
		l.Close()
		if l, err = ledger.Open(filepath.Join(t.TempDir(), "l.db"), ledger.Options{NoSync: true}); err != nil {
			t.Fatal(err)
		}
		if err := l.Init(ledger.Meta{ChainID: testChainID}, gm, nil); err != nil {
			t.Fatal(err)
		}
	}
}
