package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// gatedPlugins accepts every transaction; the first call reports that it
// started and then waits for gate.
type gatedPlugins struct {
	calls   atomic.Int32
	started chan struct{}
	gate    chan struct{}
}

func (p *gatedPlugins) CheckTx(context.Context, *chain.Tx, BlockContext) Judgement {
	if p.calls.Add(1) == 1 {
		close(p.started)
		<-p.gate
	}
	return Judgement{}
}

func serially(n int, fn func(i int)) {
	for i := range n {
		fn(i)
	}
}

// TestCheckAllClaimsLazily checks that a caller holding a long batch
// claims a transaction only when it checks it: another caller (the loop
// validating a pre-prepare) that needs a transaction further on in the
// batch checks it itself instead of waiting for the batch to get there.
func TestCheckAllClaimsLazily(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	st := c.node(0).state.Load()
	var raws [][]byte
	for k := range 4 {
		raws = append(raws, encode(t, c.careerTx(t, wallet(t, fmt.Sprintf("lazy %d", k)), uint64(k))))
	}
	cache := newCheckCache()
	pl := &gatedPlugins{started: make(chan struct{}), gate: make(chan struct{})}
	bctx := BlockContext{ChainID: st.chainID, Time: time.Now().UnixMilli()}
	batch := make(chan []checkResult, 1)
	go func() { batch <- cache.checkAll(context.Background(), raws, st, pl, bctx, serially, false) }()
	<-pl.started // the batch is stuck in its first check
	done := make(chan []checkResult, 1)
	go func() { done <- cache.checkAll(context.Background(), raws[3:], st, pl, bctx, serially, false) }()
	select {
	case rs := <-done:
		if rs[0].verdict.Verdict != pbft.Accept || rs[0].tx == nil {
			t.Fatalf("the transaction was not accepted: %+v", rs[0])
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second caller waited for the whole batch")
	}
	close(pl.gate)
	for i, r := range <-batch {
		if r.verdict.Verdict != pbft.Accept || r.tx == nil {
			t.Fatalf("batch transaction %d: %+v", i, r)
		}
	}
	if n := pl.calls.Load(); n != 4 {
		t.Fatalf("plugins ran %d times for 4 transactions, want 4 (each checked once)", n)
	}
}

// TestLateCopiesOfExecutedTransactionsSkipTheirChecks checks that a
// transaction that executed (and was forgotten) is not checked again by a
// caller that asks to skip such late copies, and is by one that does not.
func TestLateCopiesOfExecutedTransactionsSkipTheirChecks(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	st := c.node(0).state.Load()
	raw := encode(t, c.careerTx(t, wallet(t, "late copy"), 1))
	cache := newCheckCache()
	pl := &gatedPlugins{started: make(chan struct{}), gate: make(chan struct{})}
	close(pl.gate)
	bctx := BlockContext{ChainID: st.chainID, Time: time.Now().UnixMilli()}
	if r := cache.checkAll(context.Background(), [][]byte{raw}, st, pl, bctx, serially, true)[0]; r.tx == nil || r.executed {
		t.Fatalf("first check: %+v", r)
	}
	cache.forget(sha256.Sum256(raw)) // it executed
	if r := cache.checkAll(context.Background(), [][]byte{raw}, st, pl, bctx, serially, true)[0]; !r.executed {
		t.Fatalf("a late copy was not recognised: %+v", r)
	}
	if n := pl.calls.Load(); n != 1 {
		t.Fatalf("the late copy was checked again (%d checks)", n)
	}
	if r := cache.checkAll(context.Background(), [][]byte{raw}, st, pl, bctx, serially, false)[0]; r.executed || r.tx == nil {
		t.Fatalf("without skipping, the transaction is checked: %+v", r)
	}
	if n := pl.calls.Load(); n != 2 {
		t.Fatalf("%d checks, want 2", n)
	}
}

// clockPlugins rejects every transaction in a block stamped after limit:
// a verdict that depends on the block's time.
type clockPlugins struct{ limit int64 }

func (p clockPlugins) CheckTx(_ context.Context, _ *chain.Tx, bctx BlockContext) Judgement {
	if bctx.Time > p.limit {
		return Judgement{Verdict: pbft.Reject, Reason: "too late"}
	}
	return Judgement{}
}

// TestBlockVerdictIgnoresCachedContext is case 8: a transaction checked at
// submission (the replica's clock, height 0) and cached must not carry
// that verdict into a block whose time the plugins judge otherwise. A
// replica that cached it and one that never saw it reach the block's
// verdict, and the same one.
func TestBlockVerdictIgnoresCachedContext(t *testing.T) {
	op, att, pay := wallet(t, "operator"), wallet(t, "attester"), wallet(t, "payment")
	st := newChainState(testChainID, genesis.ChainConfig{Attesters: []string{att.KeyHex()}, PaymentIssuers: []string{pay.KeyHex()}, ConfigSigners: []string{op.KeyHex()}}, 64<<10, 0)
	raw := encode(t, careerTx(t, testChainID, wallet(t, "clock holder"), pay, att, 1, "pay_clock", 0))
	const limit = 1_700_000_000_000
	plugins := clockPlugins{limit: limit}
	newValidator := func() *validator {
		return &validator{state: func() *chainState { return st }, plugins: plugins, parallel: serially, cache: newCheckCache(),
			timeout: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Minute)
			}}
	}
	cached, fresh := newValidator(), newValidator()
	sub := cached.cache.checkAll(context.Background(), [][]byte{raw}, st, plugins, BlockContext{ChainID: testChainID, Time: limit - 1}, serially, false)[0]
	if sub.verdict.Verdict != pbft.Accept || sub.tx == nil {
		t.Fatalf("submission: %+v", sub)
	}
	for _, tc := range []struct {
		time int64
		want pbft.Verdict
	}{{limit + 1, pbft.Reject}, {limit, pbft.Accept}, {limit + 60_000, pbft.Reject}} {
		blk := &pbft.Block{Proposer: 1, Time: tc.time, Txs: [][]byte{raw}}
		for name, v := range map[string]*validator{"with the cached verdict": cached, "without it": fresh} {
			if got := v.ValidateBlock(7, blk); got != tc.want {
				t.Errorf("block at %d, replica %s: verdict %v, want %v", tc.time, name, got, tc.want)
			}
		}
	}
}
