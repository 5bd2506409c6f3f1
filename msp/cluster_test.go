package msp

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// A node joins a 4-replica chain under load: it is admitted, catches up as a
// learner, becomes the fifth member (n=5, f=1), then votes: its signature
// appears in later commit certificates. Then a member is killed: the MSP
// removes it after the configured misses, n goes back to 4, and commits go on.
func TestJoinUnderLoadThenRemoveDeadMember(t *testing.T) {
	c := newCluster(t, 4, nil)
	stop := make(chan struct{})
	wait := c.load(t, 0, stop)
	time.Sleep(300 * time.Millisecond)

	id := c.join(t, 5)
	eventually(t, "all five replicas to run with the five-member membership", func() bool {
		for _, rid := range c.running() {
			if st := c.replica(rid).Status(); len(st.Members) != 5 {
				return false
			}
		}
		return true
	})
	eventually(t, "the MSP to list node 5 as a member", func() bool {
		st := c.status(t)
		return st.N == 5 && st.F == 1 && slices.ContainsFunc(st.Members, func(m client.MSPMember) bool { return m.ID == id })
	})
	// The new member votes: some later certificate carries its signature.
	from := c.replica(1).Status().Height
	eventually(t, "a commit certificate signed by node 5", func() bool {
		h := c.replica(1).Status().Height
		for ; from <= h; from++ {
			var bv client.BlockView
			if err := getJSON(context.Background(), hc, c.apiOf(1)+fmt.Sprintf("/api/v1/blocks/%d", from), &bv); err != nil {
				continue
			}
			for _, s := range bv.Certificate.Sigs {
				if s.Replica == id {
					return true
				}
			}
		}
		return false
	})

	// 5 → 4: kill a member that is not the leader.
	victim := uint64(2)
	if c.replica(1).Status().Leader == victim {
		victim = 3
	}
	c.stopReplica(victim)
	eventually(t, "the MSP to remove the dead member", func() bool {
		for _, rid := range c.running() {
			st := c.replica(rid).Status()
			if len(st.Members) != 4 || slices.Contains(membersOf(st), victim) {
				return false
			}
		}
		return true
	})
	before := c.replica(1).Status().Height
	eventually(t, "commits to go on after the removal", func() bool { return c.replica(1).Status().Height > before+2 })
	close(stop)
	committed := wait()
	if len(committed) == 0 {
		t.Fatal("no transaction committed")
	}
	st := c.status(t)
	if st.N != 4 || st.F != 1 || st.AutoRemoved != 1 || !slices.ContainsFunc(st.Removed, func(r client.NodeRecord) bool { return r.ID == victim }) {
		t.Fatalf("MSP status after the removal: n=%d f=%d auto_removed=%d removed=%v", st.N, st.F, st.AutoRemoved, st.Removed)
	}
	if len(st.History) != 3 || !slices.Equal(st.History[1].Added, []uint64{id}) || !slices.Equal(st.History[2].Removed, []uint64{victim}) {
		t.Fatalf("history %+v", st.History)
	}
	h := c.replica(1).Status().Height
	for _, rid := range c.running() {
		eventually(t, "every replica to reach the height", func() bool { return c.replica(rid).Status().Height >= h })
	}
	c.sameChain(t, h)
}
