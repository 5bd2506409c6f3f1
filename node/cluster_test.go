package node

import (
	"fmt"
	"testing"
	"time"
)

func TestClusterMemCommitsEverywhere(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	var last SubmitResult
	for k := range 6 {
		holder := wallet(t, fmt.Sprintf("holder %d", k))
		last = c.submit(t, k%4, c.careerTx(t, holder, uint64(k)))
		if last.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, last)
		}
	}
	c.waitHeight(t, last.Height, all(4)...)
	for h := uint64(1); h <= last.Height; h++ {
		c.sameChain(t, h, all(4)...)
	}
}

func TestClusterMemLeaderFailoverAndCatchUp(t *testing.T) { leaderFailover(t, false) }

func TestClusterQUICLeaderFailoverAndCatchUp(t *testing.T) {
	if testing.Short() {
		t.Skip("QUIC cluster in -short mode")
	}
	leaderFailover(t, true)
}

// leaderFailover runs 4 replicas, commits, stops the leader, checks that a
// new leader is chosen and commits continue, restarts the old leader on its
// data directory and checks that it catches up to an identical chain.
func leaderFailover(t *testing.T, useQUIC bool) {
	c := newCluster(t, 4, useQUIC, nil)
	k := 0
	next := func(i int) SubmitResult {
		t.Helper()
		res := c.submit(t, i, c.careerTx(t, wallet(t, fmt.Sprintf("holder %d", k)), uint64(k)))
		k++
		if res.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, res)
		}
		return res
	}
	for i := range 3 {
		next(i)
	}
	st := c.node(0).Status()
	old := int(st.Leader - 1)
	c.stop(old)
	others := []int{}
	for i := range 4 {
		if i != old {
			others = append(others, i)
		}
	}
	var last SubmitResult
	for j := range 3 {
		last = next(others[j%3])
	}
	c.waitHeight(t, last.Height, others...)
	for _, i := range others {
		if s := c.node(i).Status(); s.Leader == uint64(old+1) || s.View <= st.View {
			t.Fatalf("replica %d: leader %d in view %d after the leader %d stopped (view was %d)", i+1, s.Leader, s.View, old+1, st.View)
		}
	}
	c.start(old)
	// Commits go on; the restarted replica catches up through checkpoints and state transfer.
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for c.node(old).Status().Height < last.Height {
		if time.Now().After(deadline) {
			t.Fatalf("restarted replica %d stuck at height %d, others at %d", old+1, c.node(old).Status().Height, last.Height)
		}
		last = next(others[k%3])
	}
	c.waitHeight(t, last.Height, all(4)...)
	for h := uint64(1); h <= last.Height; h++ {
		c.sameChain(t, h, all(4)...)
	}
}
