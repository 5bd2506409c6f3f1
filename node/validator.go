package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Judgement is a verdict on one transaction with the reason shown to the
// submitter. Abstain is for local trouble (a wall-clock limit, a module
// that failed to load): the replica then does not vote for the block.
type Judgement struct {
	Verdict pbft.Verdict
	Reason  string
}

// BlockContext is what a plugin may know about the block a transaction is
// in (for a submission: the next block). It holds chain data only, so a
// deterministic plugin reaches the same verdict on every replica.
type BlockContext struct {
	ChainID  string
	Height   uint64
	View     uint64
	Proposer uint64
	Time     int64 // proposer's clock, Unix ms (0 for a submission)
	Plugins  []chain.PluginRef
}

// Plugins checks transactions beyond the stateless rules: the Wasm
// validator and payment plugins pinned by the chain config. CheckTx must be
// safe for concurrent use and deterministic for Accept and Reject; when ctx
// ends it returns Abstain.
type Plugins interface {
	CheckTx(ctx context.Context, tx *chain.Tx, bctx BlockContext) Judgement
}

// sigNoter is implemented by Plugins whose host can use the signatures the
// checks verified (WasmPlugins): a plugin's check of the same signature then
// costs no second verification.
type sigNoter interface {
	SigVerifier() chain.SigVerifier
}

// sigVerifier is the signature check of a transaction's stateless checks
// before plugins: one that notes what it verified for their host, or
// crypto/ed25519.Verify.
func sigVerifier(p Plugins) chain.SigVerifier {
	if n, ok := p.(sigNoter); ok {
		return n.SigVerifier()
	}
	return ed25519.Verify
}

// NopPlugins accepts every transaction.
type NopPlugins struct{}

// CheckTx accepts.
func (NopPlugins) CheckTx(context.Context, *chain.Tx, BlockContext) Judgement { return Judgement{} }

// chainState is an immutable snapshot of the chain configuration; a config
// change replaces it. Version counts replacements, for the check cache.
type chainState struct {
	chainID string
	cfg     genesis.ChainConfig
	params  chain.Params
	version uint64
}

// checkResult is the verdict on one raw transaction.
type checkResult struct {
	tx      *chain.Tx
	id      [32]byte
	verdict Judgement
	err     error // set with Reject: wraps a chain sentinel
	// executed: not checked, because it executed since it passed its
	// checks (checkAll with skipExecuted only); verdict and tx are unset.
	executed bool
}

// checkTx decodes a raw transaction and runs the stateless checks and the
// plugins: the same function serves the API, the edge filter for requests
// forwarded by peers, and block validation.
func checkTx(ctx context.Context, raw []byte, st *chainState, plugins Plugins, bctx BlockContext) checkResult {
	r := checkResult{id: sha256.Sum256(raw)}
	tx, err := chain.DecodeTx(raw, st.params.MaxTxBytes)
	if err != nil {
		r.verdict, r.err = Judgement{Verdict: pbft.Reject, Reason: err.Error()}, err
		return r
	}
	r.tx = tx
	if err := tx.CheckStatelessWith(st.params, sigVerifier(plugins)); err != nil {
		r.verdict, r.err = Judgement{Verdict: pbft.Reject, Reason: err.Error()}, err
		return r
	}
	return pluginCheck(ctx, r.id, tx, plugins, bctx)
}

// pluginCheck runs the plugins on a decoded transaction that passed the
// stateless checks, in the block context bctx.
func pluginCheck(ctx context.Context, id [32]byte, tx *chain.Tx, plugins Plugins, bctx BlockContext) checkResult {
	r := checkResult{id: id, tx: tx}
	r.verdict = plugins.CheckTx(ctx, tx, bctx)
	if ctx.Err() != nil && r.verdict.Verdict == pbft.Reject {
		r.verdict = Judgement{Verdict: pbft.Abstain, Reason: "plugin time limit"}
	}
	if r.verdict.Verdict == pbft.Reject {
		r.err = fmt.Errorf("%w: %s", ErrRejected, r.verdict.Reason)
	}
	return r
}

// isMembershipTx reports whether tx changes the membership.
func isMembershipTx(tx *chain.Tx) bool {
	return tx != nil && tx.Type == chain.TypeConfig && tx.Config != nil && len(tx.Config.Membership) > 0
}

// validator judges the blocks the core asks about (pbft.Ready.Validate).
// It keeps a bounded cache of transactions already checked under the
// current chain configuration (submissions and forwarded requests), so a
// block's signatures are verified once per replica. ValidateBlock runs on
// the node's validation goroutine (runValidations), ValidateConfigBlock on
// the loop; both only read the chain state and the ledger.
type validator struct {
	state    func() *chainState
	plugins  Plugins
	timeout  func() (context.Context, context.CancelFunc)
	parallel func(n int, fn func(i int))
	cache    *checkCache
}

// checked is a transaction that passed the checks under a configuration
// version, decoded, so that neither block validation nor execution decodes
// it again.
type checked struct {
	version uint64
	tx      *chain.Tx
}

// maxCheckCache bounds the cache: it holds the transactions between their
// check and their execution (which forgets them), so it only fills up with
// checked transactions that were never proposed, and is then cleared;
// 2^13 decoded transactions of at most a few KB each bound it to tens of MB.
const maxCheckCache = 1 << 13

// checkCache makes each transaction checked once per replica, however it
// arrives (submitted, forwarded by a peer, inside a pre-prepare, or all of
// these at once): it remembers the transactions that passed, decoded, and
// the checks under way, which a second caller waits for instead of doing
// the same signature checks again. It is safe for concurrent use.
type checkCache struct {
	mu      sync.Mutex
	done    map[[32]byte]checked
	running map[[32]byte]chan struct{}
	// executed and executedPrev hold the IDs execution forgot, in two
	// generations of at most maxCheckCache/2 (32 bytes each): a copy that
	// a peer forwarded before the block and that reaches the checker of
	// forwarded requests after it is dropped without its checks. Such late
	// copies were about 5 % of all checks at saturation.
	executed, executedPrev map[[32]byte]struct{}
	checks                 atomic.Uint64 // transactions checked (signatures verified), for the metrics
}

func newCheckCache() *checkCache {
	return &checkCache{done: make(map[[32]byte]checked), running: make(map[[32]byte]chan struct{}),
		executed: make(map[[32]byte]struct{})}
}

// claim returns the cached check of id under version (ok); or, with
// skipExecuted, whether id executed since its check (gone); or a channel
// that closes when another caller's check of id ends (wait); or none of
// these: then the check is the caller's, who must call finish.
func (c *checkCache) claim(id [32]byte, version uint64, skipExecuted bool) (hit checked, ok, gone bool, wait <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, found := c.done[id]; found && e.version == version {
		return e, true, false, nil
	}
	if skipExecuted && c.executedLocked(id) {
		return checked{}, false, true, nil
	}
	if ch, found := c.running[id]; found {
		return checked{}, false, false, ch
	}
	c.running[id] = make(chan struct{})
	return checked{}, false, false, nil
}

func (c *checkCache) executedLocked(id [32]byte) bool {
	_, now := c.executed[id]
	_, before := c.executedPrev[id]
	return now || before
}

// finish ends the caller's check of id; an accepted transaction is kept.
func (c *checkCache) finish(id [32]byte, version uint64, tx *chain.Tx, accepted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if accepted && tx != nil {
		c.putLocked(id, checked{version: version, tx: tx})
	}
	if ch, ok := c.running[id]; ok {
		close(ch)
		delete(c.running, id)
	}
}

func (c *checkCache) put(id [32]byte, e checked) {
	c.mu.Lock()
	c.putLocked(id, e)
	c.mu.Unlock()
}

func (c *checkCache) putLocked(id [32]byte, e checked) {
	if len(c.done) >= maxCheckCache {
		clear(c.done)
	}
	c.done[id] = e
}

func (c *checkCache) wasExecuted(id [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.executedLocked(id)
}

// decoded returns the decoded transaction id if it passed the checks under
// version, or nil. Execution calls it, and then forget.
func (c *checkCache) decoded(id [32]byte, version uint64) *chain.Tx {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.done[id]; ok && e.version == version {
		return e.tx
	}
	return nil
}

// forget drops the decoded transaction id, which executed, and remembers
// that it did.
func (c *checkCache) forget(id [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.done, id)
	if len(c.executed) >= maxCheckCache/2 {
		c.executedPrev, c.executed = c.executed, make(map[[32]byte]struct{}, maxCheckCache/2)
	}
	c.executed[id] = struct{}{}
}

// checkAll checks raw transactions in parallel, each at most once across
// concurrent callers: cached results are reused, checks under way are
// waited for (or redone when they end without a cached pass, or when ctx
// ends first), and the rest run here. A transaction is claimed only when a
// worker is about to check it, so what another caller finds under way is
// being checked at that moment: the loop validating a pre-prepare waits at
// most one check for a transaction that a checker's long batch also holds,
// and checks the ones the batch has not reached yet itself. A caller first
// runs its own checks and only then waits for others', so two callers never
// wait on each other. With skipExecuted, transactions that executed since
// they passed are not checked again: their results say executed.
//
// What the cache keeps is the decoded transaction that passed the checks
// that depend on the transaction and the configuration version alone
// (decoding, signatures, the stateless rules). Plugins may also depend on
// the block context (its time, height, proposer), so inside a block
// (bctx.Height > 0) a cached transaction's plugins run again with the
// block's context: a block's verdict depends only on the block and the
// chain, never on when and whether this replica saw the transaction
// before (a submission is checked with the replica's clock and height 0).
func (c *checkCache) checkAll(ctx context.Context, raws [][]byte, st *chainState, plugins Plugins, bctx BlockContext, par func(n int, fn func(i int)), skipExecuted bool) []checkResult {
	results := make([]checkResult, len(raws))
	waits := make([]<-chan struct{}, len(raws))
	inBlock := bctx.Height > 0
	reuse := func(id [32]byte, tx *chain.Tx) checkResult {
		if inBlock {
			return pluginCheck(ctx, id, tx, plugins, bctx)
		}
		return checkResult{id: id, tx: tx}
	}
	par(len(raws), func(i int) {
		id := sha256.Sum256(raws[i])
		hit, ok, gone, wait := c.claim(id, st.version, skipExecuted)
		switch {
		case ok:
			results[i] = reuse(id, hit.tx)
		case gone:
			results[i] = checkResult{id: id, executed: true}
		case wait != nil:
			waits[i] = wait
		default:
			c.checks.Add(1)
			r := checkTx(ctx, raws[i], st, plugins, bctx)
			c.finish(r.id, st.version, r.tx, r.verdict.Verdict == pbft.Accept)
			results[i] = r
		}
	})
	var redo []int
	for i, wait := range waits {
		if wait == nil {
			continue
		}
		select {
		case <-wait:
		case <-ctx.Done():
		}
		id := sha256.Sum256(raws[i])
		if tx := c.decoded(id, st.version); tx != nil {
			results[i] = reuse(id, tx)
		} else if skipExecuted && c.wasExecuted(id) {
			results[i] = checkResult{id: id, executed: true}
		} else {
			redo = append(redo, i)
		}
	}
	c.checks.Add(uint64(len(redo)))
	par(len(redo), func(k int) {
		i := redo[k]
		results[i] = checkTx(ctx, raws[i], st, plugins, bctx)
	})
	return results
}

// ValidateBlock judges a block that changes no membership: the checks of
// every transaction, through the check cache. A reconfiguration block gets
// these checks too, but is judged whole only by ValidateConfigBlock.
func (v *validator) ValidateBlock(seq uint64, b *pbft.Block) pbft.Verdict {
	st := v.state()
	if b.Config != nil && len(b.Txs) != 1 {
		return pbft.Reject // a reconfiguration block carries exactly its authorising config tx
	}
	verdict, _ := v.validateTxs(b, st, v.blockContext(st, seq, b))
	return verdict
}

func (v *validator) blockContext(st *chainState, seq uint64, b *pbft.Block) BlockContext {
	return BlockContext{ChainID: st.chainID, Height: seq, View: b.View, Proposer: b.Proposer, Time: b.Time, Plugins: st.cfg.Plugins}
}

// ValidateConfigBlock judges a reconfiguration block in the ledger
// transaction t, which holds exactly the chain before it (height seq-1,
// with v.state() the configuration at that height: the core proposes and
// accepts one only at executed+1, and what execution will say of its
// transaction depends on that chain, while the core switches membership
// on commit whatever execution says): the checks of its transaction, then
// every check execution makes of it.
func (v *validator) ValidateConfigBlock(t *ledger.Tx, seq uint64, b *pbft.Block) pbft.Verdict {
	st := v.state()
	if len(b.Txs) != 1 {
		return pbft.Reject
	}
	verdict, results := v.validateTxs(b, st, v.blockContext(st, seq, b))
	if verdict != pbft.Accept {
		return verdict
	}
	r := results[0]
	switch err := checkConfigBlock(t, seq, b, r.id, r.tx, st); {
	case errors.Is(err, ErrRejected), errors.Is(err, chain.ErrPoW), errors.Is(err, chain.ErrUnknownSigner):
		return pbft.Reject
	case err != nil:
		return pbft.Abstain // the ledger could not be read: local trouble
	}
	return pbft.Accept
}

// validateTxs runs every transaction's checks, through the check cache,
// and returns the verdict on the block and the results.
func (v *validator) validateTxs(b *pbft.Block, st *chainState, bctx BlockContext) (pbft.Verdict, []checkResult) {
	ctx, cancel := v.timeout()
	defer cancel()
	results := v.cache.checkAll(ctx, b.Txs, st, v.plugins, bctx, v.parallel, false)
	verdict := pbft.Accept
	for _, r := range results {
		switch r.verdict.Verdict {
		case pbft.Reject:
			return pbft.Reject, nil
		case pbft.Abstain:
			verdict = pbft.Abstain
		}
		if r.tx == nil {
			return pbft.Reject, nil
		}
		if isMembershipTx(r.tx) != (b.Config != nil) {
			return pbft.Reject, nil // membership changes travel alone in reconfiguration blocks, and only they do
		}
		if b.Config != nil && !bytes.Equal(r.tx.Config.Membership, pbft.EncodeMembership(b.Config)) {
			return pbft.Reject, nil // the config tx must authorise exactly this membership
		}
	}
	return verdict, results
}
