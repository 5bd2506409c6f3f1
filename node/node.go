package node

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/node/statesync"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Node is a running replica. New opens its ledger and transport; Run drives
// it; Close releases everything. The package doc names every goroutine and
// its owner: Run owns the long-lived ones, the loop the core and the
// ledger's writes.
type Node struct {
	runCtx  context.Context // Run's context and goroutines, for the loop
	runWG   *sync.WaitGroup
	cfg     Config
	log     *slog.Logger
	led     *ledger.Ledger
	core    *pbft.Core // owned by the loop goroutine
	tr      quicnet.Transport
	val     *validator
	chainID string
	ln      net.Listener
	api     http.Handler

	state      atomic.Pointer[chainState]    // configuration in force, replaced on change
	responder  httpkit.Responder             // answers the API's errors
	status     atomic.Pointer[client.Status] // published by the loop
	proposeC   chan proposal
	fetchedC   chan statesync.Block
	hintC      chan uint64          // heights the catch-up poller saw (statesync.CatchUp)
	checkC     chan pbft.Message    // forwarded requests waiting for their checks
	checkedC   chan []pbft.Message  // forwarded requests that passed them, a batch at a time
	admitC     chan admitJob        // submissions waiting for their checks (runAdmissions)
	relayC     chan []byte          // submissions to broadcast to the other replicas (runRelay)
	signer     *presigner           // the core's ML-DSA signer, which can sign COMMITs ahead
	validateC  chan pbft.Validation // blocks for runValidations to judge
	validatedC chan validated       // its verdicts, for the loop to hand to the core

	statusMembers []client.StatusMember // the published member list (loop-owned) ...
	statusEpoch   uint64                // ... and the membership epoch it lists
	waiters       waiters
	metrics       metrics

	// ackBarrier orders reads after early acknowledgements: the loop
	// holds it from acknowledging a block before the ledger's fsync until
	// the ledger transaction is durable, and readLedger passes through it,
	// so a read sees everything acknowledged before it arrived.
	ackBarrier sync.RWMutex

	// A ledger transaction that applies committed blocks and nothing else
	// commits in the background (handleReadies); the loop waits for it
	// before the next one. undurable holds the IDs it executed.
	commitDone <-chan error
	undurable  map[[32]byte]struct{}

	// applied is the height of the last block the loop applied to the
	// ledger and the chain state (the core executes blocks a Ready
	// earlier). toValidate holds the blocks the core asked about that
	// runValidations has not taken yet; configWait the reconfiguration
	// blocks, which the loop judges itself once the chain before each is
	// applied and durable (judgeConfigs). Loop-owned.
	applied    uint64
	toValidate []pbft.Validation
	configWait []pbft.Validation

	runMu     sync.Mutex
	running   bool
	stop      context.CancelFunc
	runDone   chan struct{}
	closeOnce sync.Once
	closeErr  error
	closed    atomic.Bool
}

// proposal is a submission handed from the API to the loop.
type proposal struct {
	raw        []byte
	id         [32]byte
	version    uint64           // chain state version it was checked under
	tx         *chain.Tx        // raw decoded, if known
	membership *pbft.Membership // set for a membership change
	resp       chan error
}

// validated is runValidations' verdict on a block the core asked about.
type validated struct {
	seq     uint64
	digest  pbft.Hash
	verdict pbft.Verdict
}

// New opens the replica's ledger (refusing a corrupted one), restores its
// consensus state and starts its transport. It does not start the loop.
func New(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger.With("replica", cfg.ID), chainID: cfg.Genesis.ChainID,
		proposeC: make(chan proposal), fetchedC: make(chan statesync.Block), hintC: make(chan uint64),
		checkC: make(chan pbft.Message, 4096), checkedC: make(chan []pbft.Message, 16), admitC: make(chan admitJob, 1024),
		relayC: make(chan []byte, 4096), validateC: make(chan pbft.Validation), validatedC: make(chan validated)}
	n.waiters.m = make(map[[32]byte][]chan committedTx)
	ok := false
	defer func() {
		if !ok {
			n.release()
		}
	}()
	var err error
	path := filepath.Join(cfg.DataDir, "ledger.db")
	n.led, err = ledger.Open(path, ledger.Options{FullCheck: cfg.FullCheck, NoSync: cfg.NoSync})
	if err != nil {
		return nil, refuseDamaged(path, err)
	}
	if err := n.initLedger(); err != nil {
		return nil, refuseDamaged(path, err)
	}
	restore, ms, st, err := n.loadState()
	if err != nil {
		return nil, refuseDamaged(path, err)
	}
	n.state.Store(st)
	mldsa, pub := pbft.NewMLDSASigner(cfg.Keys.SignSeed)
	if mb, isMember := ms.Member(cfg.ID); isMember && string(mb.SignKey) != string(pub) {
		return nil, fmt.Errorf("%w: the signing key does not match member %d of the membership", ErrBadConfig, cfg.ID)
	} else if isMember && string(mb.NetKey) != string(cfg.Keys.NetKey.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("%w: the network key does not match member %d of the membership", ErrBadConfig, cfg.ID)
	}
	n.tr = cfg.Transport
	if n.tr == nil {
		n.tr, err = quicnet.NewQUIC(quicnet.QUICConfig{ID: cfg.ID, ListenAddr: cfg.ListenAddr, Key: cfg.Keys.NetKey, Peers: peersOf(ms), Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
	} else {
		n.tr.SetPeers(peersOf(ms))
	}
	n.cfg.Plugins = n.metrics.timePlugins(n.cfg.Plugins)
	n.val = &validator{state: n.state.Load, plugins: n.cfg.Plugins, parallel: parallel, cache: newCheckCache(),
		timeout: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), cfg.PluginTimeout)
		}}
	n.applied = restore.Executed
	n.signer = newPresigner(mldsa)
	n.core, err = pbft.New(pbft.Config{ID: cfg.ID, ChainID: n.chainID, Membership: ms, Signer: n.signer, Verifier: &pbft.MLDSAVerifier{},
		VoteSigner: pbft.NewEd25519VoteSigner(cfg.Keys.NetKey), VoteVerifier: pbft.Ed25519VoteVerifier{},
		ValidateBlocks: true, CheckpointInterval: cfg.CheckpointInterval, MaxBatch: cfg.MaxBatch,
		MaxInFlight: cfg.MaxInFlight, RequestTimeout: cfg.RequestTimeout, MaxRequestBytes: cfg.maxTx(), MaxPending: cfg.MaxPending, Restore: restore})
	if err != nil {
		return nil, err
	}
	n.ln = cfg.APIListener
	if n.ln == nil && cfg.APIAddr != "" {
		if n.ln, err = net.Listen("tcp", cfg.APIAddr); err != nil {
			return nil, fmt.Errorf("node: API listen %s: %w", cfg.APIAddr, err)
		}
	}
	n.responder = httpkit.Responder{Log: n.log}
	n.api = n.newAPI()
	n.publishStatus()
	ok = true
	return n, nil
}

// refuseDamaged tells the operator of a damaged ledger what to do.
func refuseDamaged(path string, err error) error {
	if !errors.Is(err, ledger.ErrCorrupt) {
		return err
	}
	return fmt.Errorf("node: the replica refuses to start on a damaged ledger: %w; restore %s from a backup, or move it away and start again: the replica then fetches the certified chain from its peers", err, path)
}

func (c Config) maxTx() int {
	if c.MaxTxBytes > 0 {
		return c.MaxTxBytes
	}
	return 64 << 10
}

func peersOf(m *pbft.Membership) []quicnet.Peer {
	out := make([]quicnet.Peer, 0, len(m.Members))
	for _, mb := range m.Members {
		out = append(out, quicnet.Peer{ID: mb.ID, Addr: mb.Addr, Key: ed25519.PublicKey(mb.NetKey)})
	}
	return out
}

func (n *Node) initLedger() error {
	g := n.cfg.Genesis
	gh, err := g.Hash()
	if err != nil {
		return err
	}
	if !n.led.Initialized() {
		ms, err := g.Membership()
		if err != nil {
			return err
		}
		cb, err := json.Marshal(g.Config)
		if err != nil {
			return err
		}
		return n.led.Init(ledger.Meta{ChainID: g.ChainID, GenesisHash: gh}, ms, cb)
	}
	var meta ledger.Meta
	if err := n.led.View(func(t *ledger.Tx) error { meta, err = t.Meta(); return err }); err != nil {
		return err
	}
	if meta.ChainID != g.ChainID || meta.GenesisHash != gh {
		return fmt.Errorf("%w: %s holds chain %q with genesis %x, the config names %q with genesis %x",
			ledger.ErrMismatch, n.led.Path(), meta.ChainID, meta.GenesisHash[:8], g.ChainID, gh[:8])
	}
	if err := n.led.VerifyLast(&pbft.MLDSAVerifier{}); err != nil {
		return fmt.Errorf("%s: %w", n.led.Path(), err)
	}
	return nil
}

// loadState reads what the core resumes from.
func (n *Node) loadState() (*pbft.Restore, *pbft.Membership, *chainState, error) {
	var r pbft.Restore
	var st *chainState
	err := n.led.View(func(t *ledger.Tx) error {
		hs, err := t.HardState()
		if err != nil {
			return err
		}
		if hs != nil {
			r.HardState = *hs
		}
		r.Clean = !t.Running()
		if r.Entries, err = t.Entries(); err != nil {
			return err
		}
		r.Executed = t.Height()
		if r.StateDigest, err = t.StateDigest(); err != nil {
			return err
		}
		if r.Membership, err = t.MembershipAt(r.Executed + 1); err != nil {
			return err
		}
		if r.History, r.ConfigSeqs, err = membershipHistory(t, r.Executed); err != nil {
			return err
		}
		var cc genesis.ChainConfig
		if err := json.Unmarshal(t.ChainConfig(), &cc); err != nil {
			return fmt.Errorf("%w: chain config: %w", ledger.ErrCorrupt, err)
		}
		st = newChainState(n.chainID, cc, n.cfg.maxTx(), 0)
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return &r, r.Membership, st, nil
}

// maxRestoreHistory is how many earlier memberships a restart hands the
// core (it keeps that many itself, and needs the last two to check
// checkpoint proofs and view changes across a reconfiguration).
const maxRestoreHistory = 4

// membershipHistory returns the memberships before the one in force after
// executed, oldest first, with the reconfiguration block that ended each
// (pbft.Restore.History and ConfigSeqs): the ledger records each
// membership from the height after its reconfiguration block.
func membershipHistory(t *ledger.Tx, executed uint64) ([]*pbft.Membership, []uint64, error) {
	recs, err := t.Memberships()
	if err != nil {
		return nil, nil, err
	}
	var hist []*pbft.Membership
	var seqs []uint64
	for i := 0; i+1 < len(recs) && recs[i+1].From <= executed+1; i++ {
		hist = append(hist, recs[i].Membership)
		seqs = append(seqs, recs[i+1].From-1)
	}
	if k := len(hist) - maxRestoreHistory; k > 0 {
		hist, seqs = hist[k:], seqs[k:]
	}
	return hist, seqs, nil
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines and returns when
// all calls have returned.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// Run drives the replica until ctx ends or Close is called: the API server
// (if an address or listener was configured) and the consensus loop. It
// returns nil on a clean stop and an error if the ledger fails (the replica
// must not go on without persisting).
func (n *Node) Run(ctx context.Context) error {
	n.runMu.Lock()
	if n.running || n.closed.Load() {
		n.runMu.Unlock()
		return fmt.Errorf("%w: Run called twice or after Close", ErrClosed)
	}
	ctx, cancel := context.WithCancel(ctx)
	n.running, n.stop, n.runDone = true, cancel, make(chan struct{})
	n.runMu.Unlock()
	defer close(n.runDone)
	defer cancel()

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { n.runAdmissions(ctx) })
	if n.ln != nil {
		srv := httpkit.NewServer(n.api, n.cfg.HTTP, n.log)
		ln := httpkit.LimitPerClient(n.ln, n.cfg.HTTP.MaxConnsPerClient)
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				n.log.Error("api server stopped", "err", err)
			}
		})
		wg.Go(func() {
			<-ctx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer scancel()
			_ = srv.Shutdown(sctx)
		})
	}
	catchUp := statesync.CatchUp{HTTPClient: n.cfg.HTTPClient, Every: catchUpEvery * n.cfg.TickInterval,
		CheckpointInterval: n.cfg.CheckpointInterval, Status: n.status.Load}
	wg.Go(func() { catchUp.Run(ctx, n.hintC) })
	wg.Go(func() { n.runChecks(ctx) })
	wg.Go(func() { n.runRelay(ctx) })
	wg.Go(func() { n.runValidations(ctx) })
	n.runCtx, n.runWG = ctx, &wg // for the loop's preloads after a plugin-set change
	n.preload(ctx, &wg, n.state.Load().cfg.Plugins)
	// The loop sends pre-prepares before persisting them (Ready.Proposals):
	// a restart must know whether it follows a crash (pbft.Restore.Clean).
	if err := n.led.Update(func(t *ledger.Tx) error { return t.SetRunning(true) }); err != nil {
		cancel()
		return fmt.Errorf("node: persist: %w", err)
	}
	err := n.loop(ctx, &wg)
	cancel()
	if cerr := n.awaitCommit(); err == nil && cerr != nil {
		err = fmt.Errorf("node: persist: %w", cerr)
	}
	if err == nil {
		// Every Ready the loop handled is persisted: a clean stop.
		err = n.led.Update(func(t *ledger.Tx) error { return t.SetRunning(false) })
	}
	return err
}

// loop is the one goroutine that owns the core.
func (n *Node) loop(ctx context.Context, wg *sync.WaitGroup) error {
	ticker := time.NewTicker(n.cfg.TickInterval)
	defer ticker.Stop()
	var fetch struct {
		cancel context.CancelFunc
		done   chan struct{}
		want   uint64
	}
	stopFetch := func() {
		if fetch.cancel != nil {
			fetch.cancel()
			<-fetch.done
			fetch.cancel, fetch.done = nil, nil
		}
	}
	defer stopFetch()
	startFetch := func(f *pbft.Fetch) {
		fetch.want = max(fetch.want, f.To)
		n.metrics.knownHeight.Store(fetch.want)
		if fetch.cancel != nil {
			return
		}
		from := n.core.Progress().Executed + 1
		if from > fetch.want {
			return
		}
		urls := n.peerAPIs(f.Peers)
		fctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		fetch.cancel, fetch.done = cancel, done
		to := fetch.want // the loop may raise fetch.want while this fetch runs
		wg.Go(func() {
			defer close(done)
			statesync.Fetch(fctx, n.cfg.HTTPClient, n.log, from, to, urls, func(b statesync.Block) bool {
				select {
				case n.fetchedC <- b:
					n.metrics.fetched.Add(1)
					return true
				case <-fctx.Done():
					return false
				}
			})
		})
	}
	// The core's first Ready may hold state it must not lose before this
	// run can be recorded as a clean stop: after a crash, the mute
	// (HardState.Muted), which a later clean restart reads back. Persist it
	// before anything else, so even a stop that comes at once keeps it.
	var first []*pbft.Fetch
	if err := n.handleReadies(&first); err != nil {
		n.log.Error("stopping: cannot persist", "err", err)
		return err
	}
	for _, f := range first {
		startFetch(f)
	}
	recv := n.tr.Receive()
	for {
		var validateC chan<- pbft.Validation // nil (never ready) while nothing waits
		var next pbft.Validation
		if len(n.toValidate) > 0 {
			validateC, next = n.validateC, n.toValidate[0]
		}
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-recv:
			if !ok {
				return fmt.Errorf("%w: the transport closed", ErrClosed)
			}
			n.stepFrame(m)
			// Drain what else has arrived, so one Ready (one fsync) covers it all.
		drain:
			for range 256 {
				select {
				case m, ok := <-recv:
					if !ok {
						break drain
					}
					n.stepFrame(m)
				default:
					break drain
				}
			}
		case <-ticker.C:
			n.core.Tick(n.cfg.Now().UnixMilli())
		case p := <-n.proposeC:
			p.resp <- n.propose(p)
			// Take the other submissions waiting too: one Ready for all.
		proposals:
			for range 1023 {
				select {
				case p := <-n.proposeC:
					p.resp <- n.propose(p)
				default:
					break proposals
				}
			}
		case fb := <-n.fetchedC:
			if err := n.core.Install(fb.Seq, fb.Block, fb.Cert); err != nil {
				n.log.Warn("state transfer: block refused", "seq", fb.Seq, "peer", fb.Peer, "err", err)
				n.metrics.fetchErrors.Add(1)
				stopFetch()
			}
		case h := <-n.hintC:
			startFetch(&pbft.Fetch{To: h})
		case err := <-n.commitDone:
			n.commitDone = nil
			clear(n.undurable)
			if err != nil {
				n.log.Error("stopping: cannot persist", "err", err)
				return fmt.Errorf("node: persist: %w", err)
			}
		case msgs := <-n.checkedC:
			n.stepChecked(msgs)
		case validateC <- next:
			n.toValidate = n.toValidate[1:]
		case v := <-n.validatedC:
			n.core.Validated(v.seq, v.digest, v.verdict)
		case <-fetchDone(fetch.done):
			fetch.cancel, fetch.done = nil, nil
			if n.core.Progress().Executed < fetch.want {
				startFetch(&pbft.Fetch{To: fetch.want})
			}
		}
		var fetches []*pbft.Fetch
		if err := n.handleReadies(&fetches); err != nil {
			n.log.Error("stopping: cannot persist", "err", err)
			return err
		}
		if n.judgeConfigs() {
			if err := n.handleReadies(&fetches); err != nil {
				n.log.Error("stopping: cannot persist", "err", err)
				return err
			}
		}
		for _, f := range fetches {
			startFetch(f)
		}
	}
}

func fetchDone(c chan struct{}) <-chan struct{} {
	if c == nil {
		return nil // a nil channel never fires
	}
	return c
}

// catchUpEvery is how often, in ticks, the catch-up poller asks the members.
const catchUpEvery = 20

// stepFrame decodes a peer's frame and steps the core. Requests forwarded
// by peers pass the same checks as submissions first, so the primary never
// proposes a transaction that correct replicas would reject.
func (n *Node) stepFrame(f quicnet.Message) {
	m, err := pbft.Decode(f.Data, n.maxFrame())
	if err != nil {
		n.metrics.badFrames.Add(1)
		n.log.Debug("dropping undecodable frame", "peer", f.From, "err", err)
		return
	}
	if m.From != f.From {
		n.metrics.badFrames.Add(1)
		n.log.Warn("dropping frame whose sender differs from the authenticated peer", "peer", f.From, "claimed", m.From)
		return
	}
	if m.Type == pbft.MsgRequest {
		// Checked off the loop, so signature checks never hold up votes;
		// the loop steps the survivors when they come back (checkedC).
		select {
		case n.checkC <- *m:
		default:
			n.metrics.droppedRequests.Add(uint64(len(m.Requests)))
			n.log.Warn("dropping forwarded requests: the checker is saturated", "peer", f.From, "n", len(m.Requests))
		}
		return
	}
	if err := n.core.Step(*m); err != nil {
		n.metrics.badFrames.Add(1)
		n.log.Debug("core refused a message", "peer", f.From, "type", m.Type.String(), "err", err)
	}
}

// runValidations judges, one at a time and in the order the core asked,
// the blocks the loop hands it (pbft.Ready.Validate, but for
// reconfiguration blocks: judgeConfigs), and hands the verdicts back to
// the loop, which gives them to the core (Core.Validated). Judging runs
// here so that the loop goes on stepping messages while a block's
// signatures are verified and its plugins run.
func (n *Node) runValidations(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-n.validateC:
			r := validated{seq: v.Seq, digest: v.Digest, verdict: n.val.ValidateBlock(v.Seq, v.Block)}
			select {
			case n.validatedC <- r:
			case <-ctx.Done():
				return
			}
		}
	}
}

// judgeConfigs judges the reconfiguration blocks the core asked about
// whose chain before is now applied and durable (not committing in the
// background): the ledger and n.state are then the chain at seq-1, which
// is what the block must be judged against. It runs on the loop, between
// Readies. A block at or below the applied height was decided without
// this replica: the core is told Abstain, which it ignores. It reports
// whether it gave the core a verdict (the core may then have a Ready).
func (n *Node) judgeConfigs() bool {
	answered := false
	rest := n.configWait[:0]
	for _, v := range n.configWait {
		verdict := pbft.Abstain
		switch {
		case v.Seq > n.applied+1 || (v.Seq == n.applied+1 && n.commitDone != nil):
			rest = append(rest, v) // the chain before it is not applied (or not durable) yet
			continue
		case v.Seq == n.applied+1:
			err := n.led.View(func(t *ledger.Tx) error {
				if h := t.Height(); h != n.applied {
					return fmt.Errorf("%w: the ledger is at height %d, the loop applied %d", ledger.ErrCorrupt, h, n.applied)
				}
				verdict = n.val.ValidateConfigBlock(t, v.Seq, v.Block)
				return nil
			})
			if err != nil {
				n.log.Warn("cannot judge a reconfiguration block", "seq", v.Seq, "err", err)
				verdict = pbft.Abstain
			}
		}
		n.core.Validated(v.Seq, v.Digest, verdict)
		answered = true
	}
	clear(n.configWait[len(rest):])
	n.configWait = rest
	return answered
}

func (n *Node) maxFrame() int { return pbft.MaxMessageSize }

// runChecks runs the checks of forwarded requests (stateless rules and
// plugins) on its own goroutine and passes what survives to the loop. It
// checks everything that queued up meanwhile in one go, so that the many
// small forwards of a busy network are checked in parallel and the queue
// drains faster than peers fill it.
func (n *Node) runChecks(ctx context.Context) {
	var reqs [][]byte
	batches(ctx, n.checkC, cap(n.checkC), func(batch []pbft.Message) {
		reqs = reqs[:0]
		for _, m := range batch {
			reqs = append(reqs, m.Requests...)
		}
		pass := n.checkRequests(n.state.Load(), reqs)
		var ok []pbft.Message
		for _, m := range batch {
			out := m.Requests[:0]
			for _, r := range m.Requests {
				if pass[0] {
					out = append(out, r)
				}
				pass = pass[1:]
			}
			if m.Requests = out; len(out) > 0 {
				ok = append(ok, m)
			}
		}
		if len(ok) == 0 {
			return
		}
		// One hand-over per batch: the loop may be in an fsync, and the
		// checker goes on with the next batch meanwhile.
		select {
		case n.checkedC <- ok:
		case <-ctx.Done():
		}
	})
}

// stepChecked steps forwarded requests that passed their checks. A copy
// that arrives after its transaction executed must not be proposed again:
// what the ledger already holds is dropped.
func (n *Node) stepChecked(msgs []pbft.Message) {
	_ = n.led.View(func(t *ledger.Tx) error {
		for i := range msgs {
			m := &msgs[i]
			fresh := m.Requests[:0]
			for _, r := range m.Requests {
				id := sha256.Sum256(r)
				if _, done := t.TxLoc(id); done {
					continue
				}
				if _, done := n.undurable[id]; done {
					continue
				}
				fresh = append(fresh, r)
			}
			m.Requests = fresh
		}
		return nil
	})
	for _, m := range msgs {
		if len(m.Requests) == 0 {
			continue
		}
		if err := n.core.Step(m); err != nil {
			n.log.Debug("core refused forwarded requests", "peer", m.From, "err", err)
		}
	}
}

// batches calls fn with what c holds, at most max elements at a time, as
// it arrives, until ctx ends: the shape of the node's batching goroutines
// (checks of submissions and of forwarded requests, the relay). The slice
// is reused after fn returns.
func batches[T any](ctx context.Context, c <-chan T, max int, fn func([]T)) {
	var batch []T
	for {
		select {
		case <-ctx.Done():
			return
		case x := <-c:
			batch = drain(c, append(batch[:0], x), max)
			fn(batch)
			clear(batch) // let what fn was given go
		}
	}
}

// drain appends to batch what c holds now, up to max elements in all.
func drain[T any](c <-chan T, batch []T, max int) []T {
	for len(batch) < max {
		select {
		case x := <-c:
			batch = append(batch, x)
		default:
			return batch
		}
	}
	return batch
}

// checkNow runs the checks of transactions outside a block (submissions,
// forwarded requests) through the check cache, with the current time.
// With skipExecuted, what executed since it passed is not checked again.
func (n *Node) checkNow(ctx context.Context, st *chainState, raws [][]byte, skipExecuted bool) []checkResult {
	return n.val.cache.checkAll(ctx, raws, st, n.cfg.Plugins,
		BlockContext{ChainID: st.chainID, Time: n.cfg.Now().UnixMilli(), Plugins: st.cfg.Plugins}, parallel, skipExecuted)
}

// checkRequests reports which requests pass the checks. Copies of
// transactions the ledger already holds (peers relay requests to the
// primary, and some copies arrive after the block) are not checked again:
// the loop would drop them anyway.
func (n *Node) checkRequests(st *chainState, reqs [][]byte) []bool {
	pass := make([]bool, len(reqs))
	var todo [][]byte
	var at []int
	_ = n.led.View(func(t *ledger.Tx) error {
		for i, r := range reqs {
			if _, done := t.TxLoc(sha256.Sum256(r)); !done {
				todo, at = append(todo, r), append(at, i)
			}
		}
		return nil
	})
	for k, r := range n.checkNow(context.Background(), st, todo, true) {
		i := at[k]
		if r.executed {
			continue // a late copy: the loop would drop it
		}
		if pass[i] = r.verdict.Verdict != pbft.Reject && r.tx != nil && !isMembershipTx(r.tx); !pass[i] {
			n.metrics.badRequests.Add(1)
		}
	}
	return pass
}

func (n *Node) propose(p proposal) error {
	// A submission was prechecked against the ledger when it arrived, but
	// its block may have executed since (a client's resend while the
	// first copy commits). The core forgets a request once it executed,
	// so a copy proposed now would be included again and rejected there
	// as a replay: refuse it here, where the loop knows what executed.
	if _, ok := n.executed(p.id); ok {
		return fmt.Errorf("%w: transaction %x", errExecutedMeanwhile, p.id)
	}
	if p.membership != nil {
		if !n.core.IsPrimary() {
			return ErrNotLeader
		}
		return n.core.ProposeConfig(p.membership, [][]byte{p.raw})
	}
	if p.tx != nil {
		n.val.cache.put(p.id, checked{version: p.version, tx: p.tx})
	}
	return n.core.Propose(p.raw)
}

// executed reports whether transaction id executed on this replica: in
// the ledger, or applied by a ledger transaction still committing in the
// background (loop only).
func (n *Node) executed(id [32]byte) (ledger.Loc, bool) {
	if _, ok := n.undurable[id]; ok {
		return ledger.Loc{}, true
	}
	var loc ledger.Loc
	var ok bool
	_ = n.led.View(func(t *ledger.Tx) error { loc, ok = t.TxLoc(id); return nil })
	return loc, ok
}

// runRelay broadcasts submissions to the other replicas, batching what
// queued up meanwhile into one frame. Like a client that broadcasts its
// request (Castro and Liskov, section 4.1): every backup then watches it,
// so a primary that is down or ignores it is voted out by a quorum, not by
// one, and every replica checks it while it waits for a block. It runs
// beside the loop so that a submission reaches the others at once, not
// after the loop's fsync: the checks on the other replicas, where most of
// a transaction's CPU goes, then start without waiting for this one.
func (n *Node) runRelay(ctx context.Context) {
	batches(ctx, n.relayC, cap(n.relayC), func(batch [][]byte) {
		for rest := batch; len(rest) > 0; {
			k, size := 0, 0
			for k < len(rest) && (k == 0 || size+len(rest[k]) <= relayFrameBytes) {
				size += len(rest[k])
				k++
			}
			view := n.status.Load().View // informational: requests are not bound to a view
			m := pbft.Message{Type: pbft.MsgRequest, From: n.cfg.ID, View: view, Requests: rest[:k]}
			n.tr.Broadcast(quicnet.ClassBulk, m.Encode())
			rest = rest[k:]
		}
	})
}

// relayFrameBytes bounds the requests in one relayed frame, far below
// pbft.MaxMessageSize, so a burst of submissions travels as several frames.
const relayFrameBytes = 1 << 20

// handleReadies processes every Ready the core has: persist (one bbolt
// transaction: consensus state, committed blocks, their execution and
// indexes; fsync), send, publish, Advance.
func (n *Node) handleReadies(fetches *[]*pbft.Fetch) error {
	for n.core.HasReady() {
		rd := n.core.Ready()
		// A primary's new pre-prepares go out first, so the backups persist
		// theirs while it persists its own (the core makes this safe).
		n.sendAll(rd.Proposals)
		n.presignCommits(&rd)
		var fx effects
		var late []committedTx // answered after the fsync (earlyAck)
		if rd.HardState != nil || len(rd.Entries) > 0 || rd.PruneBelow > 0 || len(rd.Committed) > 0 {
			// Ledger transactions commit in Ready order.
			if err := n.awaitCommit(); err != nil {
				return fmt.Errorf("node: persist: %w", err)
			}
			var err error
			if rd.HardState == nil && len(rd.Entries) == 0 && rd.PruneBelow == 0 && len(rd.Messages) == 0 && allSettled(rd.Committed) {
				// Only committed blocks, all of them answered early and
				// nothing to send after them: let the fsync run while the
				// loop goes on. A next pre-prepare can leave at once.
				err = n.persistBackground(&rd, &fx)
			} else {
				late, err = n.persist(&rd, &fx, nil)
			}
			if err != nil {
				return fmt.Errorf("node: persist: %w", err)
			}
		}
		n.sendAll(rd.Messages)
		if k := len(rd.Committed); k > 0 {
			n.applied = rd.Committed[k-1].Seq
		}
		if fx.state != nil {
			n.state.Store(fx.state)
			n.preload(n.runCtx, n.runWG, fx.state.cfg.Plugins)
		}
		if fx.membership != nil {
			n.tr.SetPeers(peersOf(fx.membership))
		}
		if len(rd.Committed) > 0 {
			n.metrics.blocks.Add(uint64(len(rd.Committed)))
			for _, d := range fx.done {
				if d.result.Code == ledger.Accepted {
					n.metrics.txAccepted.Add(1)
				} else {
					n.metrics.txRejected.Add(1)
				}
			}
			for _, d := range fx.done {
				n.val.cache.forget(d.id)
			}
			n.waiters.notify(late)
		}
		for _, ev := range rd.Events {
			if ev.Kind == "view-change" {
				n.metrics.viewChanges.Add(1)
			}
			n.log.Info("pbft: "+ev.Kind, "view", ev.View, "seq", ev.Seq, "peer", ev.Peer, "note", ev.Note)
		}
		if rd.Fetch != nil {
			f := *rd.Fetch
			*fetches = append(*fetches, &f)
		}
		for _, v := range rd.Validate {
			if v.Block.Config != nil {
				n.configWait = append(n.configWait, v)
			} else {
				n.toValidate = append(n.toValidate, v)
			}
		}
		n.core.Advance()
		if fx.leader != nil {
			n.log.Info("leader swap committed", "leader", fx.leader.id, "view", fx.leader.view)
			n.core.RequestPrimary(fx.leader.id, fx.leader.view)
		}
	}
	n.publishStatus()
	return nil
}

// persist writes a Ready to the ledger in one transaction and waits for it
// to be durable. It answers early the submitters of blocks earlyAck allows
// and returns the others' results. With applied set, it closes applied
// once the blocks are executed and answered, before the fsync (for
// persistBackground), and holds the read barrier until the end even if
// there was nobody to answer.
func (n *Node) persist(rd *pbft.Ready, fx *effects, applied chan<- struct{}) (late []committedTx, err error) {
	start := time.Now()
	held := false
	err = n.led.Update(func(t *ledger.Tx) error {
		early, l, err := n.write(t, rd, fx)
		if err != nil {
			return err
		}
		late = l
		if len(early) > 0 || applied != nil {
			n.ackBarrier.Lock()
			held = true
			n.metrics.earlyAnswers.Add(uint64(len(early)))
			n.waiters.notify(early)
		}
		if applied != nil {
			close(applied)
		}
		return nil
	})
	if held {
		n.ackBarrier.Unlock()
	}
	if err == nil {
		n.metrics.observeFsync(time.Since(start))
	}
	return late, err
}

// persistBackground persists a Ready of committed blocks only, every one
// of them settled (earlyAck), and returns once they are executed and their
// submitters answered; the ledger transaction commits in the background,
// and the loop learns the outcome from commitDone (or awaitCommit) before
// its next write.
func (n *Node) persistBackground(rd *pbft.Ready, fx *effects) error {
	applied := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := n.persist(rd, fx, applied)
		done <- err
	}()
	select {
	case <-applied:
	case err := <-done:
		return err // the blocks did not apply
	}
	if n.undurable == nil {
		n.undurable = make(map[[32]byte]struct{})
	}
	for _, d := range fx.done {
		n.undurable[d.id] = struct{}{}
	}
	n.commitDone = done
	return nil
}

// awaitCommit waits for the ledger transaction committing in the
// background, if any, and returns its error.
func (n *Node) awaitCommit() error {
	if n.commitDone == nil {
		return nil
	}
	err := <-n.commitDone
	n.commitDone = nil
	clear(n.undurable)
	return err
}

// write puts a Ready's consensus state and committed blocks into t and
// splits the blocks' results into those answerable before the fsync
// (earlyAck) and the others.
func (n *Node) write(t *ledger.Tx, rd *pbft.Ready, fx *effects) (early, late []committedTx, err error) {
	if rd.HardState != nil {
		if err := t.PutHardState(rd.HardState); err != nil {
			return nil, nil, err
		}
	}
	for i := range rd.Entries {
		if err := t.PutEntry(&rd.Entries[i]); err != nil {
			return nil, nil, err
		}
	}
	if rd.PruneBelow > 0 {
		if err := t.PruneEntries(rd.PruneBelow); err != nil {
			return nil, nil, err
		}
	}
	now := n.cfg.Now().UnixMilli()
	for i := range rd.Committed {
		k := len(fx.done)
		if err := applyBlockKnown(t, &rd.Committed[i], n.state.Load(), n.cfg.maxTx(), now, fx, n.val.cache.decoded); err != nil {
			return nil, nil, fmt.Errorf("apply block %d: %w", rd.Committed[i].Seq, err)
		}
		if earlyAck(&rd.Committed[i]) {
			early = append(early, fx.done[k:]...)
		} else {
			late = append(late, fx.done[k:]...)
		}
	}
	return early, late, nil
}

// sendAll sends the core's messages, whatever their type: blocks (a
// pre-prepare's, a fetched body's), requests and view changes on the bulk
// stream, votes and the small fetch-block asks on the control stream.
func (n *Node) sendAll(msgs []pbft.Message) {
	for i := range msgs {
		m := &msgs[i]
		class := classOf(m.Type)
		if m.To == 0 {
			n.tr.Broadcast(class, m.Encode())
		} else {
			n.tr.Send(m.To, class, m.Encode())
		}
	}
}

// classOf is the transport stream of a message type: what may be large
// (it carries a block, requests, or proofs) goes on the bulk stream, so it
// never holds up a vote behind it.
func classOf(t pbft.MsgType) quicnet.Class {
	switch t {
	case pbft.MsgPrePrepare, pbft.MsgNewView, pbft.MsgRequest, pbft.MsgViewChange, pbft.MsgBlock:
		return quicnet.ClassBulk
	}
	return quicnet.ClassControl
}

// earlyAck reports whether the submitters of a committed block may be
// answered before this Ready's ledger transaction is durable. A commit
// certificate is 2f+1 COMMITs, each sent only after its sender persisted
// the prepared certificate (persist before send), so once they are all on
// disk the block is fixed at its sequence number across any crash of any
// number of replicas: at least f+1 correct replicas hold it durably and
// every later view re-proposes it (Castro and Liskov, section 4.4), and
// execution is deterministic, so the answer cannot change. The core says
// when that holds (pbft.Committed.Settled): not when this very Ready also
// persists this replica's own COMMIT, as with a single replica, or when a
// stable checkpoint in the same step dropped the entry before it was
// written. Reads pass through ackBarrier, so the replica never answers a
// look-up without what it has acknowledged.
func earlyAck(c *pbft.Committed) bool { return c.Settled }

func allSettled(cs []pbft.Committed) bool {
	for i := range cs {
		if !earlyAck(&cs[i]) {
			return false
		}
	}
	return true
}

// readLedger runs fn in a read transaction that sees every transaction
// this replica acknowledged before the call.
func (n *Node) readLedger(fn func(*ledger.Tx) error) error {
	n.ackBarrier.RLock()
	n.ackBarrier.RUnlock() //lint:ignore SA2001 an empty critical section is the barrier
	return n.led.View(fn)
}

// preloader is implemented by Plugins that compile modules (WasmPlugins).
type preloader interface {
	Preload(ctx context.Context, refs []chain.PluginRef) error
}

// preload compiles the plugin set in the background, so that the first
// transactions under it neither wait for a compilation nor abstain.
func (n *Node) preload(ctx context.Context, wg *sync.WaitGroup, refs []chain.PluginRef) {
	p, ok := n.cfg.Plugins.(preloader)
	if !ok || len(refs) == 0 || ctx == nil {
		return
	}
	wg.Go(func() {
		if err := p.Preload(ctx, refs); err != nil && ctx.Err() == nil {
			n.log.Warn("plugins: preloading the plugin set failed; transactions that need it will abstain until it loads", "err", err)
		}
	})
}

func (n *Node) peerAPIs(ids []uint64) []string {
	ms := n.core.Status().Membership
	var urls []string
	for _, id := range ids {
		if mb, ok := ms.Member(id); ok && mb.API != "" && id != n.cfg.ID {
			urls = append(urls, mb.API)
		}
	}
	if len(urls) == 0 {
		for _, mb := range ms.Members {
			if mb.ID != n.cfg.ID && mb.API != "" {
				urls = append(urls, mb.API)
			}
		}
	}
	return urls
}

func (n *Node) publishStatus() {
	s := n.core.Progress()
	epoch := n.core.Epoch()
	if n.statusMembers == nil || epoch != n.statusEpoch {
		// The member list changes only with the membership; Status
		// copies the membership, too costly for every loop iteration.
		n.statusMembers = n.statusMembers[:0:0]
		for _, mb := range n.core.Status().Membership.Members {
			n.statusMembers = append(n.statusMembers, client.StatusMember{ID: mb.ID, Addr: mb.Addr, API: mb.API})
		}
		n.statusEpoch = epoch
	}
	st := &client.Status{ID: s.ID, ChainID: n.chainID, View: s.View, Leader: s.Primary, Height: s.Executed,
		StableSeq: s.StableSeq, InViewChange: s.InViewChange, Pending: s.Pending, Epoch: epoch,
		Members: n.statusMembers} // shared, never modified: Node.Status copies it
	n.metrics.height.Store(s.Executed)
	n.metrics.view.Store(s.View)
	n.status.Store(st)
}

// submit hands a checked transaction to the loop.
func (n *Node) submit(ctx context.Context, p proposal) error {
	p.resp = make(chan error, 1)
	n.runMu.Lock()
	running, done := n.running, n.runDone
	n.runMu.Unlock()
	if !running || n.closed.Load() {
		return fmt.Errorf("%w: the replica is not running", ErrNotReady)
	}
	if p.membership == nil {
		// A full pending set (Config.MaxPending bounds the requests the
		// core tracks) is refused before the relay, so the other
		// replicas do not get what the submitter is told to retry; the
		// core's own limit, a tenth higher, then practically never
		// refuses a relayed request (the published count lags the core
		// by one loop iteration). A submitter whose context ends after
		// the relay gets a timeout, and the transaction may still commit,
		// as after any timeout.
		if n.status.Load().Pending >= n.cfg.MaxPending*9/10 {
			return pbft.ErrBusy
		}
		select {
		case n.relayC <- p.raw:
		case <-done:
			return fmt.Errorf("%w: the replica stopped", ErrNotReady)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case n.proposeC <- p:
	case <-done:
		return fmt.Errorf("%w: the replica stopped", ErrNotReady)
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-p.resp:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waiters wakes submitters when their transaction commits.
type waiters struct {
	mu sync.Mutex
	m  map[[32]byte][]chan committedTx
}

func (w *waiters) add(id [32]byte) (<-chan committedTx, func()) {
	c := make(chan committedTx, 1)
	w.mu.Lock()
	w.m[id] = append(w.m[id], c)
	w.mu.Unlock()
	return c, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		list := w.m[id]
		for i, x := range list {
			if x == c {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(w.m, id)
		} else {
			w.m[id] = list
		}
	}
}

func (w *waiters) notify(done []committedTx) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.m) == 0 {
		return
	}
	for _, d := range done {
		for _, c := range w.m[d.id] {
			select {
			case c <- d:
			default:
			}
		}
		delete(w.m, d.id)
	}
}

// Close stops Run (if running) and releases the ledger and the transport.
// It is idempotent.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.closed.Store(true)
		n.runMu.Lock()
		stop, done := n.stop, n.runDone
		n.runMu.Unlock()
		if stop != nil {
			stop()
			<-done
		}
		n.closeErr = n.release()
	})
	return n.closeErr
}

func (n *Node) release() error {
	var errs []error
	if n.tr != nil {
		errs = append(errs, n.tr.Close())
	}
	if n.ln != nil {
		if err := n.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if n.led != nil {
		errs = append(errs, n.led.Close())
	}
	return errors.Join(errs...)
}
