package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Result is what one fault did and what held after it.
type Result struct {
	Fault string `json:"fault"`
	// Held lists the invariants checked after the fault, all of which held
	// when Err is empty.
	Held []string `json:"held"`
	// Stall is how long the first transaction took to commit while the
	// fault was in force (0 when none could: no quorum).
	Stall time.Duration `json:"stall_ns,omitempty"`
	// Recovery is how long a probe transaction took to commit after the
	// fault was healed (liveness).
	Recovery time.Duration `json:"recovery_ns"`
	// CatchUp is how long the replicas took to reach one height after
	// healing.
	CatchUp time.Duration `json:"catch_up_ns"`
	Height  uint64        `json:"height"`
	Cycles  int           `json:"cycles,omitempty"`
	Note    string        `json:"note,omitempty"`
	Err     string        `json:"error,omitempty"`
}

// Report is a campaign's outcome.
type Report struct {
	Network  string   `json:"network"` // how network faults were made, or why they were skipped
	Replicas int      `json:"replicas"`
	Acked    int      `json:"acked"` // transactions acknowledged (all checked everywhere)
	Results  []Result `json:"results"`
}

// Failed is the results that broke an invariant or could not run.
func (r *Report) Failed() []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Err != "" {
			out = append(out, x)
		}
	}
	return out
}

// Campaign runs faults against a started cluster.
type Campaign struct {
	C      *Cluster
	L      *Ledger
	Cycles int           // SIGKILL cycles of the kill-cycles fault (default 4)
	Bound  time.Duration // liveness and catch-up bound (default 30 s)
	Report Report
}

var invariants = []string{"agreement", "durability", "validity", "liveness", "restart"}

// NewCampaign starts every replica of c and waits for a first commit.
func NewCampaign(ctx context.Context, c *Cluster, netNote string) (*Campaign, error) {
	l, err := NewLedger(c)
	if err != nil {
		return nil, err
	}
	k := &Campaign{C: c, L: l, Cycles: 4, Bound: 30 * time.Second, Report: Report{Network: netNote, Replicas: c.N()}}
	for i := range c.N() {
		if err := c.Start(i); err != nil {
			return nil, err
		}
	}
	for i := range c.N() {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := c.WaitUp(wctx, i)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	if _, err := l.Probe(ctx, k.all(), k.bound()); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Campaign) bound() time.Duration {
	if k.Bound > 0 {
		return k.Bound
	}
	return 30 * time.Second
}

func (k *Campaign) all() []int {
	out := make([]int, k.C.N())
	for i := range out {
		out[i] = i
	}
	return out
}

func without(ids []int, drop ...int) []int {
	return slices.DeleteFunc(slices.Clone(ids), func(i int) bool { return slices.Contains(drop, i) })
}

// leader asks the replicas in ask for the leader and returns its index.
func (k *Campaign) leader(ctx context.Context, ask []int) (int, error) {
	for _, i := range ask {
		st, err := k.C.Client(i, 2*time.Second).Status(ctx)
		if err == nil && st.Leader >= 1 && int(st.Leader) <= k.C.N() && !st.InViewChange {
			return int(st.Leader) - 1, nil
		}
	}
	return 0, errors.New("no replica names a leader")
}

func (k *Campaign) follower(ctx context.Context) (int, error) {
	ld, err := k.leader(ctx, k.all())
	if err != nil {
		return 0, err
	}
	return (ld + 1) % k.C.N(), nil
}

// Run runs one fault and records its result: before it a transaction is
// committed, after it is healed a probe must commit and every invariant
// is checked on every replica.
func (k *Campaign) Run(ctx context.Context, name string, fault func(ctx context.Context, r *Result) error) Result {
	r := Result{Fault: name}
	start := time.Now()
	err := func() error {
		if _, err := k.L.Submit(ctx, 0); err != nil {
			if _, err := k.L.Probe(ctx, k.all(), k.bound()); err != nil {
				return fmt.Errorf("before the fault: %w", err)
			}
		}
		if err := fault(ctx, &r); err != nil {
			return err
		}
		for i := range k.C.N() { // every replica must be running again
			wctx, cancel := context.WithTimeout(ctx, k.bound())
			err := k.C.WaitUp(wctx, i)
			cancel()
			if err != nil {
				return fmt.Errorf("restart: %w", err)
			}
		}
		d, err := k.L.Probe(ctx, k.all(), k.bound())
		if err != nil {
			return err
		}
		r.Recovery = d
		t0 := time.Now()
		h, err := k.L.Check(ctx, k.all(), k.bound())
		r.Height, r.CatchUp = h, time.Since(t0)
		return err
	}()
	if err != nil {
		r.Err = err.Error()
	} else {
		r.Held = invariants
	}
	k.C.o.Logf("fault %-22s %6.1fs  stall %v  recovery %v  catch-up %v  height %d  %s%s", name, time.Since(start).Seconds(),
		r.Stall.Round(time.Millisecond), r.Recovery.Round(time.Millisecond), r.CatchUp.Round(time.Millisecond), r.Height, r.Note, errNote(r.Err))
	k.Report.Results = append(k.Report.Results, r)
	k.Report.Acked = k.L.Acked()
	return r
}

func errNote(e string) string {
	if e == "" {
		return ""
	}
	return "  FAILED: " + e
}

// stall measures the first commit through the replicas in up while the
// fault holds.
func (k *Campaign) stall(ctx context.Context, r *Result, up []int) error {
	d, err := k.L.Probe(ctx, up, k.bound())
	if err != nil {
		return fmt.Errorf("during the fault (a quorum is up): %w", err)
	}
	r.Stall = d
	return nil
}

// noCommit asserts that nothing commits through up for a while (no quorum).
func (k *Campaign) noCommit(ctx context.Context, up []int, wait time.Duration) error {
	cctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for _, i := range up {
		if id, err := k.L.Submit(cctx, i); err == nil {
			return fmt.Errorf("safety: transaction %s committed through replica %d without a quorum", id, i+1)
		}
	}
	return nil
}

// KillFollower SIGKILLs a follower, commits without it, restarts it.
func (k *Campaign) KillFollower(ctx context.Context, r *Result) error {
	return k.killOne(ctx, r, false)
}

// KillLeader SIGKILLs the leader: the others change view and commit.
func (k *Campaign) KillLeader(ctx context.Context, r *Result) error { return k.killOne(ctx, r, true) }

func (k *Campaign) killOne(ctx context.Context, r *Result, leader bool) error {
	victim, err := k.follower(ctx)
	what := "replica"
	if leader {
		victim, err = k.leader(ctx, k.all())
		what = "leader"
	}
	if err != nil {
		return err
	}
	if err := k.C.Kill(victim); err != nil {
		return err
	}
	r.Note = fmt.Sprintf("%s %d killed", what, victim+1)
	if err := k.stall(ctx, r, without(k.all(), victim)); err != nil {
		return err
	}
	return k.C.Start(victim)
}

// PauseLeader SIGSTOPs the leader, commits without it, SIGCONTs it.
func (k *Campaign) PauseLeader(ctx context.Context, r *Result) error {
	ld, err := k.leader(ctx, k.all())
	if err != nil {
		return err
	}
	if err := k.C.Signal(ld, syscall.SIGSTOP); err != nil {
		return err
	}
	r.Note = fmt.Sprintf("leader %d stopped (SIGSTOP)", ld+1)
	err = k.stall(ctx, r, without(k.all(), ld))
	if cerr := k.C.Signal(ld, syscall.SIGCONT); err == nil {
		err = cerr
	}
	return err
}

// QuorumLoss SIGKILLs two of four: nothing may commit; then restarts them.
func (k *Campaign) QuorumLoss(ctx context.Context, r *Result) error {
	ld, err := k.leader(ctx, k.all())
	if err != nil {
		return err
	}
	down := []int{(ld + 1) % k.C.N(), (ld + 2) % k.C.N()}
	for _, i := range down {
		if err := k.C.Kill(i); err != nil {
			return err
		}
	}
	r.Note = fmt.Sprintf("replicas %v killed; no commit for 3 s", plus1(down))
	if err := k.noCommit(ctx, without(k.all(), down...), 3*time.Second); err != nil {
		return err
	}
	for _, i := range down {
		if err := k.C.Start(i); err != nil {
			return err
		}
	}
	return nil
}

// FlipBytes stops a follower, flips bytes across the second half of its
// ledger file, and starts it. It must refuse the file at start, or refuse
// to serve the damaged part when read (never serve it); either way the
// operator's remedy its message names (move the file away) must bring it
// back, the chain refetched from its peers.
func (k *Campaign) FlipBytes(ctx context.Context, r *Result) error {
	f, err := k.follower(ctx)
	if err != nil {
		return err
	}
	if err := k.C.Stop(f); err != nil {
		return err
	}
	path := filepath.Join(k.C.DataDir(f), "ledger.db")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// 16 bytes in every 4 KiB page of the file's second half: some of
	// them land in pages the ledger uses, wherever bbolt put its data.
	flipped := 0
	for p := len(b) / 2 / 4096 * 4096; p+80 <= len(b); p += 4096 {
		for j := p + 64; j < p+80; j++ {
			b[j] ^= 0xa5
		}
		flipped++
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	if err := k.C.Start(f); err != nil {
		return err
	}
	// Give it time to refuse or to come up.
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = k.C.WaitUp(wctx, f)
	cancel()
	if err == nil {
		// It opened the file: read everything it holds, as a client would.
		// Damage must be reported as damage (never served), and the
		// operator's remedy must work.
		_, rerr := k.L.Check(ctx, []int{f}, k.bound())
		switch {
		case rerr == nil:
			r.Note = fmt.Sprintf("replica %d started on its ledger with 16 bytes flipped in each of the %d pages of the file's second half and served every block and transaction intact (the pages were unused)", f+1, flipped)
			return nil
		case !strings.Contains(rerr.Error(), "damaged"):
			return fmt.Errorf("replica %d with flipped bytes: %w", f+1, rerr)
		}
		r.Note = fmt.Sprintf("replica %d started on its ledger with 16 bytes flipped in each of %d pages, then refused to serve the damaged part on read (\"damaged\", 500); ", f+1, flipped)
		if err := k.C.Stop(f); err != nil {
			return err
		}
	} else {
		exited, _ := k.C.Exited(f)
		if !exited {
			return fmt.Errorf("replica %d neither started nor refused: %w", f+1, err)
		}
		if tail := k.C.LogTail(f); !strings.Contains(tail, "damaged") {
			return fmt.Errorf("replica %d exited on its damaged ledger without saying so: %s", f+1, tail)
		}
		r.Note = fmt.Sprintf("replica %d refused to start on its ledger with 16 bytes flipped in each of %d pages (\"damaged\"); ", f+1, flipped)
	}
	if err := os.Rename(path, path+".damaged"); err != nil {
		return err
	}
	r.Note += "the ledger moved away as the message says, it refetched the certified chain from its peers"
	return k.C.Start(f)
}

// KillCycles SIGKILLs and restarts a follower and the leader in turn,
// committing in between, k.Cycles times.
func (k *Campaign) KillCycles(ctx context.Context, r *Result) error {
	for n := range k.Cycles {
		var victim int
		var err error
		if n%2 == 0 {
			victim, err = k.follower(ctx)
		} else {
			victim, err = k.leader(ctx, k.all())
		}
		if err != nil {
			return fmt.Errorf("cycle %d: %w", n+1, err)
		}
		if err := k.C.Kill(victim); err != nil {
			return err
		}
		d, err := k.L.Probe(ctx, without(k.all(), victim), k.bound())
		if err != nil {
			return fmt.Errorf("cycle %d (replica %d killed): %w", n+1, victim+1, err)
		}
		r.Stall = max(r.Stall, d)
		if err := k.C.Start(victim); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, k.bound())
		err = k.C.WaitUp(wctx, victim)
		cancel()
		if err != nil {
			return err
		}
		r.Cycles++
	}
	r.Note = fmt.Sprintf("%d SIGKILL cycles, follower and leader in turn; stall is the worst cycle", r.Cycles)
	return nil
}

// RestartAll stops every replica cleanly and starts them again.
func (k *Campaign) RestartAll(ctx context.Context, r *Result) error {
	for i := range k.C.N() {
		if err := k.C.Stop(i); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
	}
	for i := range k.C.N() {
		if err := k.C.Start(i); err != nil {
			return err
		}
	}
	r.Note = "every replica stopped (SIGTERM) and started"
	return nil
}

// Partition splits the replicas 2|2 (namespaces only): nothing may commit
// on either side; healed, they go on.
func (k *Campaign) Partition(ctx context.Context, r *Result) error {
	if k.C.net == nil {
		return errNoNetns
	}
	a, b := []int{0, 1}, []int{2, 3}
	if err := k.C.net.partition(a, b); err != nil {
		return err
	}
	r.Note = "partition {1,2} | {3,4} by blackhole routes; no commit on either side for 3 s"
	err := k.noCommit(ctx, k.all(), 3*time.Second)
	k.C.net.heal()
	return err
}

// IsolateLeader cuts the leader off (namespaces only): the others change
// view and commit; healed, the old leader catches up.
func (k *Campaign) IsolateLeader(ctx context.Context, r *Result) error {
	if k.C.net == nil {
		return errNoNetns
	}
	ld, err := k.leader(ctx, k.all())
	if err != nil {
		return err
	}
	if err := k.C.net.partition([]int{ld}, without(k.all(), ld)); err != nil {
		return err
	}
	r.Note = fmt.Sprintf("leader %d isolated by blackhole routes", ld+1)
	err = k.stall(ctx, r, without(k.all(), ld))
	k.C.net.heal()
	return err
}

// SlowLink rate-limits the leader's link (tc tbf, 1 mbit/s with up to
// 100 ms of queue) while transactions commit (namespaces only).
func (k *Campaign) SlowLink(ctx context.Context, r *Result) error {
	if k.C.net == nil {
		return errNoNetns
	}
	ld, err := k.leader(ctx, k.all())
	if err != nil {
		return err
	}
	if err := k.C.net.slow(ld, "1mbit", "100ms"); err != nil {
		return err
	}
	r.Note = fmt.Sprintf("leader %d's link limited to 1 mbit/s (tc tbf, 100 ms queue)", ld+1)
	err = k.stall(ctx, r, k.all())
	k.C.net.heal()
	return err
}

var errNoNetns = errors.New("network faults need namespaces (root and iproute2); skipped")
