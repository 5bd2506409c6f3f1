package msp

import (
	"context"
	"errors"
	"github.com/careerchain/careerchain/sdk/client"
	"testing"
	"time"
)

// The leader is killed: the replicas' view change elects a new one that
// commits, and the MSP's status shows it. Then the operator swaps the
// leader through the admin API while transactions flow: every transaction
// commits exactly once.
func TestLeaderKilledThenOperatorSwap(t *testing.T) {
	c := newCluster(t, 4, func(cfg *Config) { cfg.MaxMisses = 1000 }) // keep the dead leader in the membership
	c.submit(t, c.careerTx(t, 0), 0)
	old := c.replica(1).Status().Leader
	c.stopReplica(old)
	c.submit(t, c.careerTx(t, 1), 1)
	eventually(t, "the MSP to show a new leader", func() bool {
		st := c.status(t)
		return st.Leader != 0 && st.Leader != old && !st.InViewChange
	})

	stop := make(chan struct{})
	wait := c.load(t, 100, stop)
	st := c.status(t)
	target := st.Leader%4 + 1
	if target == old {
		target = target%4 + 1
	}
	var ans client.AdminAnswer
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		ans, err = Admin(context.Background(), hc, c.mspURL, c.operator.PrivateKey(), "leader", target, time.Now())
		var ae *client.Error
		if err == nil || !errors.As(err, &ae) || ae.Status != 503 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || ans.Status != "committed" {
		t.Fatalf("leader swap: %+v %v", ans, err)
	}
	eventually(t, "the new leader to lead", func() bool {
		for _, id := range c.running() {
			if c.replica(id).Status().Leader != target {
				return false
			}
		}
		return c.status(t).Leader == target
	})
	time.Sleep(300 * time.Millisecond)
	close(stop)
	committed := wait()
	if len(committed) == 0 {
		t.Fatal("no transaction committed")
	}
	// Each transaction is on chain exactly once, at the height it was reported.
	// (The new leader may apply a block a moment after the replica that
	// answered the submission.)
	for id, h := range committed {
		var got struct{ Height uint64 }
		var err error
		eventually(t, "the new leader to hold tx "+id, func() bool {
			err = getJSON(context.Background(), hc, c.apiOf(target)+"/api/v1/tx/"+id, &got)
			return err == nil
		})
		if got.Height != h {
			t.Fatalf("tx %s: height %d, reported %d (%v)", id, got.Height, h, err)
		}
	}
	h := c.replica(target).Status().Height
	for _, id := range c.running() {
		eventually(t, "every replica to reach the height", func() bool { return c.replica(id).Status().Height >= h })
	}
	c.sameChain(t, h)
}

func (c *cluster) apiOf(id uint64) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[id].api
}
