package msp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Service is a running MSP. New opens its store; Run serves the API and
// reconciles the MSP's book with the chain until ctx ends; Close releases
// everything.
//
// Concurrency: Run's loop goroutine is the only one that submits membership
// changes (so at most one is in flight) and that polls replicas. API
// handlers verify requests, write to the store (bbolt serialises writers),
// read the snapshot under mu, and hand admin operations to the loop through
// ops.
type Service struct {
	cfg       Config
	log       *slog.Logger
	st        *store
	operators map[string]bool
	genesis   *pbft.Membership
	api       http.Handler
	responder httpkit.Responder
	ln        net.Listener
	nudge     chan struct{}
	ops       chan op

	mu   sync.Mutex
	view chainView // last view of the chain (loop writes, handlers read)

	runMu     sync.Mutex
	running   bool
	stop      context.CancelFunc
	runDone   chan struct{}
	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
}

// chainView is what the MSP knows of the chain.
type chainView struct {
	history  []epochEntry // verified, genesis first
	height   uint64
	view     uint64
	leader   uint64
	inVC     bool
	lastPoll time.Time
	source   string // replica the history came from
}

func (v *chainView) current() *pbft.Membership { return v.history[len(v.history)-1].Membership }

// op is an admin operation run by the loop.
type op struct {
	kind string // "remove", "promote"
	id   uint64
	resp chan error
}

// New opens the MSP's store and checks its configuration.
func New(cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	gm, err := cfg.Genesis.Membership()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger.With("component", "msp"), genesis: gm, operators: map[string]bool{},
		nudge: make(chan struct{}, 1), ops: make(chan op)}
	for _, k := range cfg.OperatorKeys {
		s.operators[k] = true
	}
	s.view.history = []epochEntry{{From: 1, Membership: gm}}
	if s.st, err = openStore(cfg.DBPath); err != nil {
		return nil, err
	}
	s.ln = cfg.Listener
	if s.ln == nil && cfg.ListenAddr != "" {
		if s.ln, err = net.Listen("tcp", cfg.ListenAddr); err != nil {
			s.st.close()
			return nil, fmt.Errorf("msp: listen %s: %w", cfg.ListenAddr, err)
		}
	}
	// Genesis members are in the book from the start.
	err = s.st.update(func(recs []client.NodeRecord) []client.NodeRecord {
		var out []client.NodeRecord
		for _, m := range gm.Members {
			if !slices.ContainsFunc(recs, func(r client.NodeRecord) bool { return r.ID == m.ID }) {
				out = append(out, recordOf(m, client.StateMember))
			}
		}
		return out
	})
	if err != nil {
		s.release()
		return nil, err
	}
	s.responder = httpkit.Responder{Log: s.log, LogRefusals: true}
	s.api = s.newAPI()
	return s, nil
}

func recordOf(m pbft.Member, state string) client.NodeRecord {
	return client.NodeRecord{ID: m.ID, SignKey: hex.EncodeToString(m.SignKey), NetKey: hex.EncodeToString(m.NetKey), Addr: m.Addr, API: m.API, State: state}
}

// Handler returns the MSP's HTTP API.
func (s *Service) Handler() http.Handler { return s.api }

// Run serves the API (if configured) and reconciles until ctx ends or
// Close is called.
func (s *Service) Run(ctx context.Context) error {
	s.runMu.Lock()
	if s.running || s.closed.Load() {
		s.runMu.Unlock()
		return fmt.Errorf("%w: Run called twice or after Close", ErrClosed)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.running, s.stop, s.runDone = true, cancel, make(chan struct{})
	s.runMu.Unlock()
	defer close(s.runDone)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	if s.ln != nil {
		srv := httpkit.NewServer(s.api, s.cfg.HTTP, s.log)
		ln := httpkit.LimitPerClient(s.ln, s.cfg.HTTP.MaxConnsPerClient)
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				s.log.Error("api server stopped", "err", err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer scancel()
			_ = srv.Shutdown(sctx)
		})
	}
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	s.cycle(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.cycle(ctx)
		case <-s.nudge:
			s.cycle(ctx)
		case o := <-s.ops:
			o.resp <- s.runOp(ctx, o)
		}
	}
}

func (s *Service) poke() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// cycle is one round of reconciliation: learn the chain, poll the nodes,
// settle the change in flight or start the next one.
func (s *Service) cycle(ctx context.Context) {
	if err := s.refresh(ctx); err != nil {
		s.log.Warn("cannot read the chain", "err", err)
		return
	}
	s.poll(ctx)
	if err := s.syncBook(); err != nil {
		s.log.Error("store", "err", err)
		return
	}
	done, err := s.settle(ctx)
	if err != nil {
		s.log.Warn("membership change", "err", err)
	}
	if !done {
		return
	}
	if ch := s.plan(); ch != nil {
		if err := s.apply(ctx, ch); err != nil {
			s.log.Warn("membership change", "reason", ch.reason, "err", err)
		}
	}
}

// refresh reads the membership history from the first replica that gives
// a verifiable one (members first, then the bootstrap list).
func (s *Service) refresh(ctx context.Context) error {
	s.mu.Lock()
	known := slices.Clone(s.view.history)
	s.mu.Unlock()
	var urls []string
	for _, m := range known[len(known)-1].Membership.Members {
		if m.API != "" {
			urls = append(urls, m.API)
		}
	}
	for _, u := range s.cfg.Replicas {
		if !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	var errs []error
	for _, u := range urls {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		h, height, err := fetchHistory(rctx, s.cfg.HTTPClient, u, s.cfg.Genesis.ChainID, known)
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.mu.Lock()
		if len(h) >= len(s.view.history) {
			if len(h) > len(s.view.history) {
				last := h[len(h)-1]
				s.log.Info("membership committed on chain", "epoch", last.Membership.Epoch, "from", last.From, "n", last.Membership.N(), "f", last.Membership.F())
			}
			s.view.history, s.view.source = h, u
		}
		s.view.height = max(s.view.height, height)
		s.mu.Unlock()
		return nil
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

// poll asks every member, pending node and standby for its status.
func (s *Service) poll(ctx context.Context) {
	recs, err := s.st.nodes()
	if err != nil {
		s.log.Error("store", "err", err)
		return
	}
	type answer struct {
		height, view, leader uint64
		inVC, member, ok     bool
	}
	answers := make([]answer, len(recs))
	var wg sync.WaitGroup
	for i, r := range recs {
		if r.State == client.StateRemoved || r.API == "" {
			continue
		}
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
			defer cancel()
			rc, err := replicaClient(s.cfg.HTTPClient, r.API)
			if err != nil {
				return
			}
			if st, err := rc.Status(pctx); err == nil {
				answers[i] = answer{height: st.Height, view: st.View, leader: st.Leader, inVC: st.InViewChange, member: r.State == client.StateMember, ok: true}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	now := s.cfg.Now()
	polled := map[uint64]answer{}
	for i, r := range recs {
		if r.State != client.StateRemoved && r.API != "" {
			polled[r.ID] = answers[i]
		}
	}
	err = s.st.update(func(recs []client.NodeRecord) []client.NodeRecord {
		var out []client.NodeRecord
		for _, r := range recs {
			a, ok := polled[r.ID]
			if !ok {
				continue
			}
			if a.ok {
				r.LastSeen, r.Misses, r.Height = now, 0, a.height
			} else {
				r.Misses++
			}
			out = append(out, r)
		}
		return out
	})
	if err != nil {
		s.log.Error("store", "err", err)
	}
	// The leader and view the members report: the highest view a member
	// is working in (not changing views); a view change shows as such.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.view.lastPoll = now
	best, any := answer{}, false
	for _, a := range answers {
		if !a.ok || !a.member {
			continue
		}
		s.view.height = max(s.view.height, a.height)
		if !a.inVC && (!any || a.view > best.view) {
			best, any = a, true
		}
	}
	if any {
		if best.leader != s.view.leader || best.view != s.view.view {
			s.log.Info("leader", "leader", best.leader, "view", best.view)
		}
		s.view.view, s.view.leader, s.view.inVC = best.view, best.leader, false
	} else {
		s.view.inVC = true
	}
}

// syncBook makes the book agree with the membership committed on chain.
func (s *Service) syncBook() error {
	s.mu.Lock()
	cur := s.view.current().Clone()
	s.mu.Unlock()
	return s.st.update(func(recs []client.NodeRecord) []client.NodeRecord {
		var out []client.NodeRecord
		for _, m := range cur.Members {
			i := slices.IndexFunc(recs, func(r client.NodeRecord) bool { return r.ID == m.ID })
			switch {
			case i < 0:
				out = append(out, recordOf(m, client.StateMember))
			case recs[i].State != client.StateMember:
				recs[i].State, recs[i].Note = client.StateMember, fmt.Sprintf("member since epoch %d", cur.Epoch)
				s.log.Info("node is a member", "node", m.ID, "epoch", cur.Epoch)
				out = append(out, recs[i])
			}
		}
		for _, r := range recs {
			if r.State == client.StateMember && !cur.Has(r.ID) {
				r.State, r.Note = client.StateRemoved, fmt.Sprintf("removed in epoch %d", cur.Epoch)
				s.log.Info("node removed from the membership", "node", r.ID, "epoch", cur.Epoch)
				out = append(out, r)
			}
		}
		return out
	})
}

// change is a membership change to make.
type change struct {
	add    []client.NodeRecord
	remove []uint64
	reason string
	auto   bool // an automatic removal (counts against f)
}

// plan decides the next automatic change, if any.
func (s *Service) plan() *change {
	recs, err := s.st.nodes()
	if err != nil {
		s.log.Error("store", "err", err)
		return nil
	}
	s.mu.Lock()
	cur, height := s.view.current(), s.view.height
	s.mu.Unlock()
	ready := func(r client.NodeRecord) bool {
		return r.Misses == 0 && !r.LastSeen.IsZero() && r.Height+s.cfg.CatchUpSlack >= height
	}
	ch := &change{}
	var down []uint64
	for _, r := range recs {
		if r.State == client.StateMember && r.Misses >= s.cfg.MaxMisses {
			down = append(down, r.ID)
		}
	}
	// A removal that a ready standby replaces in the same change keeps the
	// size, so MinMembers does not hold it back.
	replacement := 0
	if s.autoPromote() && slices.ContainsFunc(recs, func(r client.NodeRecord) bool { return r.State == client.StateStandby && ready(r) }) {
		replacement = 1
	}
	if len(down) > 0 && !s.cfg.NoAutoRemove {
		f := uint64(cur.F())
		switch {
		case len(down) > cur.F():
			s.log.Warn("more than f members are down; not removing any without the operator", "down", down, "f", f)
		case cur.N()-1+replacement < s.cfg.MinMembers:
			s.log.Warn("a member is down but removing it would go below the minimum size", "node", down[0], "n", cur.N(), "min", s.cfg.MinMembers)
		case s.st.autoRemoved() >= f:
			s.log.Warn("a member is down but f members were already removed automatically; confirm with careerctl admin remove", "node", down[0], "f", f)
		default:
			ch.remove, ch.auto = []uint64{down[0]}, true
			ch.reason = fmt.Sprintf("node %d missed %d status polls", down[0], s.cfg.MaxMisses)
		}
	}
	size := cur.N() - len(ch.remove)
	for _, r := range recs {
		if r.State == client.StatePending && ready(r) {
			ch.add = append(ch.add, r)
			size++
		}
	}
	if s.autoPromote() {
		for _, r := range recs {
			if size >= s.cfg.TargetMembers {
				break
			}
			if r.State == client.StateStandby && ready(r) {
				ch.add = append(ch.add, r)
				size++
			}
		}
	}
	if len(ch.add) == 0 && len(ch.remove) == 0 {
		return nil
	}
	if len(ch.add) > 0 {
		ids := make([]uint64, 0, len(ch.add))
		for _, r := range ch.add {
			ids = append(ids, r.ID)
		}
		ch.reason = fmt.Sprintf("%s; admit %v", ch.reason, ids)
	}
	return ch
}

// apply builds the new membership, writes the signed transaction to the
// store and submits it.
func (s *Service) apply(ctx context.Context, ch *change) error {
	s.mu.Lock()
	cur := s.view.current().Clone()
	s.mu.Unlock()
	next := &pbft.Membership{Epoch: cur.Epoch + 1}
	for _, m := range cur.Members {
		if !slices.Contains(ch.remove, m.ID) {
			next.Members = append(next.Members, m)
		}
	}
	for _, r := range ch.add {
		sk, _ := hex.DecodeString(r.SignKey)
		nk, _ := hex.DecodeString(r.NetKey)
		next.Members = append(next.Members, pbft.Member{ID: r.ID, SignKey: sk, NetKey: nk, Addr: r.Addr, API: r.API})
	}
	slices.SortFunc(next.Members, func(a, b pbft.Member) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	if err := next.Validate(); err != nil {
		return err
	}
	if next.N() < s.cfg.MinMembers && len(ch.remove) > 0 {
		return fmt.Errorf("%w: the change would leave %d members, the minimum is %d", ErrRefused, next.N(), s.cfg.MinMembers)
	}
	cfg, err := chain.SignConfig(s.cfg.Key, chain.Config{ChainID: s.cfg.Genesis.ChainID, Nonce: next.Epoch, Membership: pbft.EncodeMembership(next)})
	if err != nil {
		return err
	}
	tx := chain.NewConfigTx(cfg)
	if err := chain.Mine(ctx, tx, s.cfg.difficulty()); err != nil {
		return err
	}
	raw, err := chain.EncodeTx(tx)
	if err != nil {
		return err
	}
	f := &inflight{Epoch: next.Epoch, TxID: chain.TxID(tx), Tx: raw, Reason: ch.reason, Removed: ch.remove}
	for _, r := range ch.add {
		f.Added = append(f.Added, r.ID)
	}
	if err := s.st.setInflight(f); err != nil {
		return err
	}
	if ch.auto {
		if err := s.st.setAutoRemoved(s.st.autoRemoved() + uint64(len(ch.remove))); err != nil {
			return err
		}
	}
	s.log.Info("submitting membership change", "epoch", f.Epoch, "added", f.Added, "removed", f.Removed, "reason", f.Reason, "txid", f.TxID)
	_, err = s.settle(ctx)
	return err
}

// settle drives the change in flight: it reports true when none is left.
// The change is resubmitted as is until the chain's epoch reaches it.
func (s *Service) settle(ctx context.Context) (bool, error) {
	f, err := s.st.getInflight()
	if err != nil || f == nil {
		return f == nil, err
	}
	s.mu.Lock()
	cur := s.view.current()
	s.mu.Unlock()
	if cur.Epoch >= f.Epoch {
		return true, s.resolve(f)
	}
	res, err := s.submit(ctx, f.Tx)
	if err != nil {
		if errors.Is(err, ErrRejected) {
			s.log.Warn("membership change refused", "epoch", f.Epoch, "err", err)
			return true, s.fail(f, err.Error())
		}
		return false, err
	}
	switch res.Status {
	case "rejected":
		return true, s.fail(f, res.Reason)
	case "accepted", "replay":
		// The replica that answered executed the change; the one the
		// refresh reads may not have yet (a new epoch opens with a view
		// change), so the refresh is retried for a little while.
		deadline := time.Now().Add(s.cfg.SubmitTimeout)
		for {
			if err := s.refresh(ctx); err != nil {
				return false, err
			}
			if err := s.syncBook(); err != nil {
				return false, err
			}
			s.mu.Lock()
			cur = s.view.current()
			s.mu.Unlock()
			if cur.Epoch >= f.Epoch {
				return true, s.resolve(f)
			}
			if time.Now().After(deadline) {
				return false, nil
			}
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return false, nil
}

// submit tries the leader first, then the other members.
func (s *Service) submit(ctx context.Context, raw []byte) (submitResult, error) {
	s.mu.Lock()
	cur, leader := s.view.current(), s.view.leader
	s.mu.Unlock()
	var urls []string
	if m, ok := cur.Member(leader); ok && m.API != "" {
		urls = append(urls, m.API)
	}
	for _, m := range cur.Members {
		if m.ID != leader && m.API != "" {
			urls = append(urls, m.API)
		}
	}
	var last error = ErrUnavailable
	for _, u := range urls {
		sctx, cancel := context.WithTimeout(ctx, s.cfg.SubmitTimeout)
		res, err := submitTx(sctx, s.cfg.HTTPClient, u, raw)
		cancel()
		if err == nil || !isUnavailable(err) {
			return res, err
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return submitResult{}, last
}

// resolve closes a change the chain's epoch has reached: it committed, or
// another change of the same epoch did.
func (s *Service) resolve(f *inflight) error {
	s.mu.Lock()
	var at *pbft.Membership
	for _, e := range s.view.history {
		if e.Membership.Epoch == f.Epoch {
			at = e.Membership
		}
	}
	s.mu.Unlock()
	ok := at != nil
	for _, id := range f.Added {
		ok = ok && at.Has(id)
	}
	for _, id := range f.Removed {
		ok = ok && !at.Has(id)
	}
	if ok {
		s.log.Info("membership change committed", "epoch", f.Epoch, "added", f.Added, "removed", f.Removed)
	} else {
		s.log.Warn("another membership change took this epoch; the MSP will plan again", "epoch", f.Epoch)
	}
	return s.st.setInflight(nil)
}

// fail drops a change the chain refused; the nodes it would have added go
// back to waiting with the reason noted.
func (s *Service) fail(f *inflight, reason string) error {
	err := s.st.update(func(recs []client.NodeRecord) []client.NodeRecord {
		var out []client.NodeRecord
		for _, r := range recs {
			if slices.Contains(f.Added, r.ID) && r.State != client.StateMember {
				r.State, r.Note = client.StateRemoved, "membership change refused by the chain: "+reason
				out = append(out, r)
			}
		}
		return out
	})
	return errors.Join(err, s.st.setInflight(nil))
}

// runOp runs an admin operation on the loop.
func (s *Service) runOp(ctx context.Context, o op) error {
	if done, err := s.settle(ctx); !done {
		return fmt.Errorf("%w: a membership change is still in flight (%v); retry shortly", ErrConflict, err)
	}
	recs, err := s.st.nodes()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(recs, func(r client.NodeRecord) bool { return r.ID == o.id })
	if i < 0 {
		return fmt.Errorf("%w: no node %d", ErrNotFound, o.id)
	}
	r := recs[i]
	s.mu.Lock()
	cur := s.view.current()
	s.mu.Unlock()
	switch o.kind {
	case "remove":
		if !cur.Has(o.id) {
			if r.State == client.StatePending || r.State == client.StateStandby {
				return s.st.update(func([]client.NodeRecord) []client.NodeRecord {
					r.State, r.Note = client.StateRemoved, "removed by the operator before it became a member"
					return []client.NodeRecord{r}
				})
			}
			return fmt.Errorf("%w: node %d is not a member (%s)", ErrConflict, o.id, r.State)
		}
		ch := &change{remove: []uint64{o.id}, reason: fmt.Sprintf("operator removed node %d", o.id)}
		if s.autoPromote() && cur.N()-1 < s.cfg.TargetMembers {
			if sb := s.firstStandby(recs); sb != nil {
				ch.add = append(ch.add, *sb)
			}
		}
		if size := cur.N() - 1 + len(ch.add); size < s.cfg.MinMembers {
			return fmt.Errorf("%w: removing node %d would leave %d members, the minimum is %d", ErrRefused, o.id, size, s.cfg.MinMembers)
		}
		// The operator's removal is also the confirmation of earlier automatic ones.
		if err := s.st.setAutoRemoved(0); err != nil {
			return err
		}
		return s.applyNow(ctx, ch)
	case "promote":
		if r.State != client.StateStandby && r.State != client.StatePending {
			return fmt.Errorf("%w: node %d is %s, not a standby", ErrConflict, o.id, r.State)
		}
		return s.applyNow(ctx, &change{add: []client.NodeRecord{r}, reason: fmt.Sprintf("operator promoted node %d", o.id)})
	}
	return fmt.Errorf("%w: unknown operation %q", ErrMalformed, o.kind)
}

// autoPromote reports whether the MSP promotes standbys on its own to keep
// TargetMembers.
func (s *Service) autoPromote() bool { return s.cfg.AutoPromote && s.cfg.TargetMembers > 0 }

func (s *Service) firstStandby(recs []client.NodeRecord) *client.NodeRecord {
	for _, r := range recs {
		if r.State == client.StateStandby && r.Misses == 0 && !r.LastSeen.IsZero() {
			return &r
		}
	}
	return nil
}

// applyNow applies ch and reports whether it committed.
func (s *Service) applyNow(ctx context.Context, ch *change) error {
	if err := s.apply(ctx, ch); err != nil {
		return err
	}
	f, err := s.st.getInflight()
	if err != nil {
		return err
	}
	if f != nil {
		return fmt.Errorf("%w: change submitted (epoch %d) but not committed yet; the MSP keeps resubmitting it", ErrUnavailable, f.Epoch)
	}
	return nil
}

// do hands an admin operation to the loop and waits for its result.
func (s *Service) do(ctx context.Context, kind string, id uint64) error {
	o := op{kind: kind, id: id, resp: make(chan error, 1)}
	s.runMu.Lock()
	running, done := s.running, s.runDone
	s.runMu.Unlock()
	if !running {
		return fmt.Errorf("%w: the MSP is not running", ErrUnavailable)
	}
	select {
	case s.ops <- o:
	case <-done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.resp:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// swapLeader submits a leader swap; it commits through consensus, then
// every replica moves to the first view led by id.
func (s *Service) swapLeader(ctx context.Context, id uint64) (submitResult, error) {
	s.mu.Lock()
	cur := s.view.current()
	s.mu.Unlock()
	if !cur.Has(id) {
		return submitResult{}, fmt.Errorf("%w: node %d is not a member", ErrConflict, id)
	}
	cfg, err := chain.SignConfig(s.cfg.Key, chain.Config{ChainID: s.cfg.Genesis.ChainID, Nonce: uint64(s.cfg.Now().UnixNano()) & chain.MaxSafeInteger, Leader: &id})
	if err != nil {
		return submitResult{}, err
	}
	tx := chain.NewConfigTx(cfg)
	if err := chain.Mine(ctx, tx, s.cfg.difficulty()); err != nil {
		return submitResult{}, err
	}
	raw, err := chain.EncodeTx(tx)
	if err != nil {
		return submitResult{}, err
	}
	res, err := s.submit(ctx, raw)
	if err == nil && res.Status == "rejected" {
		err = fmt.Errorf("%w: %s", ErrRejected, res.Reason)
	}
	if err == nil {
		s.log.Info("leader swap committed", "leader", id, "height", res.Height)
		s.poke()
	}
	return res, err
}

// Close stops Run and releases the store and listener. It is idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.runMu.Lock()
		stop, done := s.stop, s.runDone
		s.runMu.Unlock()
		if stop != nil {
			stop()
			<-done
		}
		s.closeErr = s.release()
	})
	return s.closeErr
}

func (s *Service) release() error {
	var errs []error
	if s.ln != nil {
		if err := s.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if s.st != nil {
		errs = append(errs, s.st.close())
	}
	return errors.Join(errs...)
}
