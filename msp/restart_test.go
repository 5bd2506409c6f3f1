package msp

import (
	"github.com/careerchain/careerchain/sdk/client"
	"slices"
	"testing"
)

// The MSP is killed right after it accepted a join (its change may or may
// not have reached the leader) and restarted on its store: the join
// completes, and every replica ends with the same membership.
func TestMSPRestartMidJoin(t *testing.T) {
	c := newCluster(t, 4, nil)
	c.submit(t, c.careerTx(t, 0), 0)
	id := c.join(t, 5)
	c.stopMSP()
	addr := c.mspURL[len("http://"):]
	c.startMSP(relisten(t, addr))
	eventually(t, "the join to complete after the restart", func() bool {
		st := c.status(t)
		return st.N == 5 && st.InFlight == nil && slices.ContainsFunc(st.Members, func(m client.MSPMember) bool { return m.ID == id })
	})
	c.submit(t, c.careerTx(t, 1), 1)
	var want []uint64
	eventually(t, "every replica to agree on the membership", func() bool {
		want = membersOf(c.replica(1).Status())
		for _, rid := range c.running() {
			if !slices.Equal(membersOf(c.replica(rid).Status()), want) {
				return false
			}
		}
		return len(want) == 5
	})
	if st := c.status(t); len(st.History) != 2 || st.History[1].Epoch != 1 {
		t.Fatalf("history %+v: want exactly one change", st.History)
	}
}
