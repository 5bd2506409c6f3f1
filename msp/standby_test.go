package msp

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// newStandbyCluster starts four members with TargetMembers 4, lets node 5
// join and checks that it is held as a standby: admitted, caught up and
// polled, but not in the membership of any replica or of the MSP.
func newStandbyCluster(t *testing.T, tune func(*Config)) (*cluster, uint64) {
	t.Helper()
	c := newCluster(t, 4, func(cfg *Config) {
		cfg.TargetMembers = 4
		tune(cfg)
	})
	c.submit(t, c.careerTx(t, 0), 0)
	id := c.join(t, 5)
	if a, err := JoinState(context.Background(), hc, c.mspURL, id); err != nil || a.State != client.StateStandby {
		t.Fatalf("join state of node %d: %+v %v, want standby", id, a, err)
	}
	_, h := c.submit(t, c.careerTx(t, 1), 1)
	eventually(t, "the MSP to see the standby caught up", func() bool {
		st := c.status(t)
		i := slices.IndexFunc(st.Standbys, func(r client.NodeRecord) bool { return r.ID == id })
		return i >= 0 && st.Standbys[i].Height >= h && !st.Standbys[i].LastSeen.IsZero()
	})
	st := c.status(t)
	if st.N != 4 || slices.ContainsFunc(st.Members, func(m client.MSPMember) bool { return m.ID == id }) || len(st.Pending) != 0 || st.InFlight != nil {
		t.Fatalf("a standby beyond the target size must not become a member: n=%d members=%v pending=%v in_flight=%+v", st.N, st.Members, st.Pending, st.InFlight)
	}
	for _, rid := range c.running() {
		if ms := membersOf(c.replica(rid).Status()); len(ms) != 4 || slices.Contains(ms, id) {
			t.Fatalf("replica %d runs with members %v, want the four genesis members", rid, ms)
		}
	}
	return c, id
}

// killMember stops a member that is not the leader and waits until every
// running replica runs without it; it returns the member's ID.
func (c *cluster) killMember(t *testing.T) uint64 {
	t.Helper()
	victim := uint64(2)
	if c.replica(1).Status().Leader == victim {
		victim = 3
	}
	c.stopReplica(victim)
	eventually(t, "the MSP to remove the dead member", func() bool {
		for _, rid := range c.running() {
			if slices.Contains(membersOf(c.replica(rid).Status()), victim) {
				return false
			}
		}
		return true
	})
	return victim
}

// promoted waits until the standby is a member everywhere, votes (its
// signature is in a later commit certificate) and holds the same chain as
// every other live replica.
func (c *cluster) promoted(t *testing.T, id, victim uint64) {
	t.Helper()
	eventually(t, "every replica to run with the standby as a member", func() bool {
		for _, rid := range c.running() {
			ms := membersOf(c.replica(rid).Status())
			if len(ms) != 4 || !slices.Contains(ms, id) || slices.Contains(ms, victim) {
				return false
			}
		}
		return true
	})
	eventually(t, "the MSP to list the standby as a member", func() bool {
		st := c.status(t)
		return st.N == 4 && st.F == 1 && st.InFlight == nil && len(st.Standbys) == 0 &&
			slices.ContainsFunc(st.Members, func(m client.MSPMember) bool { return m.ID == id })
	})
	if a, err := JoinState(context.Background(), hc, c.mspURL, id); err != nil || a.State != client.StateMember {
		t.Fatalf("join state of node %d: %+v %v, want member", id, a, err)
	}
	c.signedBy(t, id, 100)
	h := c.replica(1).Status().Height
	for _, rid := range c.running() {
		eventually(t, "every replica to reach the height", func() bool { return c.replica(rid).Status().Height >= h })
	}
	c.sameChain(t, h)
}

// signedBy submits transactions from k0 on until a commit certificate
// carries a signature by replica id.
func (c *cluster) signedBy(t *testing.T, id uint64, k0 int) {
	t.Helper()
	from := c.replica(1).Status().Height + 1
	for k := k0; k < k0+50; k++ {
		c.submit(t, c.careerTx(t, k), k)
		h := c.replica(1).Status().Height
		for ; from <= h; from++ {
			var bv client.BlockView
			if err := getJSON(context.Background(), hc, c.apiOf(1)+fmt.Sprintf("/api/v1/blocks/%d", from), &bv); err != nil {
				t.Fatalf("block %d: %v", from, err)
			}
			for _, s := range bv.Certificate.Sigs {
				if s.Replica == id {
					return
				}
			}
		}
	}
	t.Fatalf("no commit certificate signed by node %d after 50 transactions", id)
}

// A member dies; the MSP removes it (MinMembers 3 allows n=3) but, without
// AutoPromote, leaves the standby waiting. The operator promotes it through
// the admin API; the promotion commits as its own reconfiguration and the
// new member votes.
func TestOperatorPromotesStandby(t *testing.T) {
	c, id := newStandbyCluster(t, func(cfg *Config) { cfg.MinMembers = 3 })
	victim := c.killMember(t)
	eventually(t, "the MSP to record the removal", func() bool {
		st := c.status(t)
		return st.N == 3 && st.InFlight == nil && slices.ContainsFunc(st.Removed, func(r client.NodeRecord) bool { return r.ID == victim })
	})
	c.submit(t, c.careerTx(t, 2), 2)
	if st := c.status(t); st.N != 3 || !slices.ContainsFunc(st.Standbys, func(r client.NodeRecord) bool { return r.ID == id }) {
		t.Fatalf("without AutoPromote the standby must wait for the operator: n=%d standbys=%v", st.N, st.Standbys)
	}

	// Refusals on the live MSP, before the real call.
	stranger := wallet(t, "stranger").PrivateKey()
	for _, tc := range []struct {
		name string
		key  ed25519.PrivateKey
		id   uint64
		code int
		want string
	}{
		{"not an operator", stranger, id, http.StatusUnauthorized, "not an operator key"},
		{"a removed member", c.operator.PrivateKey(), victim, http.StatusConflict, "is removed, not a standby"},
		{"a member", c.operator.PrivateKey(), 1, http.StatusConflict, "is member, not a standby"},
	} {
		_, err := Admin(context.Background(), hc, c.mspURL, tc.key, "promote", tc.id, time.Now())
		var ae *client.Error
		if !errors.As(err, &ae) || ae.Status != tc.code || !strings.Contains(ae.Message, tc.want) {
			t.Fatalf("%s: got %v, want %d containing %q", tc.name, err, tc.code, tc.want)
		}
	}

	ans, err := Admin(context.Background(), hc, c.mspURL, c.operator.PrivateKey(), "promote", id, time.Now())
	if err != nil || ans.Status != "committed" || ans.Action != "promote" || ans.ID != id {
		t.Fatalf("promote: %+v %v", ans, err)
	}
	c.promoted(t, id, victim)
	st := c.status(t)
	if len(st.History) != 3 || !slices.Equal(st.History[1].Removed, []uint64{victim}) || len(st.History[1].Added) != 0 ||
		!slices.Equal(st.History[2].Added, []uint64{id}) || len(st.History[2].Removed) != 0 {
		t.Fatalf("history %+v: want the removal, then the promotion", st.History)
	}
	// Promoting it again is refused: it is a member now.
	if _, err := Admin(context.Background(), hc, c.mspURL, c.operator.PrivateKey(), "promote", id, time.Now()); err == nil {
		t.Fatal("promoting a member succeeded")
	}
}

// With AutoPromote the MSP replaces a dead member by the standby on its
// own, in the reconfiguration that removes it, so the network stays at its
// target size. MinMembers keeps its default, 4 = TargetMembers: the removal
// alone would go below it, the replacement does not.
func TestAutoPromoteReplacesDeadMember(t *testing.T) {
	c, id := newStandbyCluster(t, func(cfg *Config) { cfg.AutoPromote = true })
	victim := c.killMember(t)
	c.promoted(t, id, victim)
	st := c.status(t)
	if len(st.History) != 2 || !slices.Equal(st.History[1].Removed, []uint64{victim}) || !slices.Equal(st.History[1].Added, []uint64{id}) {
		t.Fatalf("history %+v: want one change replacing node %d by node %d", st.History, victim, id)
	}
	if st.AutoRemoved != 1 || !slices.ContainsFunc(st.Removed, func(r client.NodeRecord) bool { return r.ID == victim }) {
		t.Fatalf("auto_removed=%d removed=%v", st.AutoRemoved, st.Removed)
	}
}

// Promotion refusals on a running MSP with no replica reachable: every one
// is refused before a membership change is built.
func TestPromoteRefusals(t *testing.T) {
	s, c, srv := newBareMSPWith(t, 0, func(cfg *Config) {
		cfg.TargetMembers, cfg.PollInterval, cfg.RequestTimeout = 4, 50*time.Millisecond, 200*time.Millisecond
	})
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	join := func(k int) uint64 {
		a, err := Join(context.Background(), hc, srv.URL, c.joinRequest(t, k, "http://127.0.0.1:9"))
		if err != nil || a.State != client.StateStandby {
			t.Fatalf("join node %d: %+v %v, want a standby", k, a, err)
		}
		return a.ID
	}
	standby, dropped := join(5), join(6)
	op := c.operator.PrivateKey()
	if _, err := Admin(context.Background(), hc, srv.URL, op, "remove", dropped, time.Now()); err != nil {
		t.Fatalf("drop standby %d: %v", dropped, err)
	}
	stranger := wallet(t, "stranger").PrivateKey()
	promote := func(body string, sign func(*http.Request, []byte)) *http.Request {
		r, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/admin/promote", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if sign != nil {
			sign(r, []byte(body))
		}
		return r
	}
	asOperator := func(r *http.Request, b []byte) { client.SignAdmin(r, op, b, time.Now()) }
	idBody := func(id uint64) string { return fmt.Sprintf(`{"id":%d}`, id) }
	tests := []struct {
		name string
		r    *http.Request
		code int
		want string
	}{
		{"no credential", promote(idBody(standby), nil), 401, "need the"},
		{"not an operator", promote(idBody(standby), func(r *http.Request, b []byte) { client.SignAdmin(r, stranger, b, time.Now()) }), 401, "not an operator key"},
		{"signature over another node", promote(idBody(standby), func(r *http.Request, _ []byte) {
			client.SignAdmin(r, op, []byte(idBody(dropped)), time.Now())
		}), 401, "bad signature"},
		{"unknown node", promote(idBody(99), asOperator), 404, "no node 99"},
		{"a member", promote(idBody(1), asOperator), 409, "node 1 is member, not a standby"},
		{"a dropped standby", promote(idBody(dropped), asOperator), 409, fmt.Sprintf("node %d is removed, not a standby", dropped)},
		{"node ID 0", promote(`{"id":0}`, asOperator), 400, "id must be a node ID"},
		{"not JSON", promote(`{"id":"five"}`, asOperator), 400, "malformed"},
		{"unknown field", promote(`{"id":5,"force":true}`, asOperator), 400, "unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { expectRefusal(t, tc.r, tc.code, tc.want) })
	}
	st, err := s.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.N != 4 || st.InFlight != nil || len(st.Standbys) != 1 || st.Standbys[0].ID != standby {
		t.Fatalf("after the refusals: n=%d in_flight=%+v standbys=%v, want node %d still waiting", st.N, st.InFlight, st.Standbys, standby)
	}
}
