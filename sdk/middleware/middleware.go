// Package middleware turns a signed transaction into a committed one: the
// library the portal and the CLI use between a user and the replicas.
//
// Submit runs the pinned plugins locally and fails fast with the plugin's
// reason, asks for the current leader, sends the transaction, waits for the
// commit, and — after a failed round, a timeout or a leader change — sends
// the same bytes again (the seed's retry rule). A retry can never commit the
// transaction twice: its TxID is the hash of its canonical bytes, replicas
// refuse a TxID that is already on chain, and execution records a second
// copy in one block as a replay. When a retry is refused as a replay,
// Submit looks the TxID up and returns the committed result.
//
// The replicas re-run the consensus-critical plugins before they vote, so
// the local run is a courtesy to the user, never a security boundary. The
// local run goes through the Plugins interface this package owns; the
// wazero-backed implementation is wasm.MiddlewarePlugins, outside sdk, so
// a program that submits without running plugins links no Wasm runtime.
// Replicas and the MSP are reached through sdk/client.
package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Errors.
var (
	ErrRejected    = errors.New("middleware: transaction rejected")
	ErrUnavailable = errors.New("middleware: no replica could take the transaction")
)

// Plugins evaluates plugins locally. wasm.MiddlewarePlugins implements it
// with the replicas' sandbox; a test may use a fake. Implementations must
// be safe for concurrent use (a Pipeline is).
type Plugins interface {
	Evaluate(ctx context.Context, name string, in PluginInput) PluginResult
}

// PluginInput is what the caller knows about the transaction a plugin
// judges; the implementation adds the ABI version, kind and config.
type PluginInput struct {
	ChainID string
	Height  uint64
	Time    int64 // Unix seconds
	Tx      chain.Tx
}

// Verdicts of a PluginResult: the one verdict type of the chain
// (pbft.Verdict), named here so that callers of this package need not
// import the consensus core.
const (
	Accept  = pbft.Accept
	Reject  = pbft.Reject
	Abstain = pbft.Abstain
)

// PluginResult is one plugin's outcome, as the replicas' sandbox gives it
// (wasm.Result): Accept or Reject from the plugin, Reject with Fault set
// when the plugin misbehaved, Abstain when the host could not get an
// answer (no vote; the pipeline goes on and the replicas judge).
type PluginResult struct {
	Plugin   string       `json:"plugin"`
	Verdict  pbft.Verdict `json:"verdict"`
	Fault    bool         `json:"fault,omitempty"`
	Code     string       `json:"code,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	ScorePPM int64        `json:"score_ppm"`
}

// LeaderSource tells where to send a transaction: the API base URLs of the
// current leader first, then of the other replicas. After a failed
// attempt, Submit asks again.
type LeaderSource interface {
	Leader(ctx context.Context) ([]string, error)
}

// Options configures a Pipeline.
type Options struct {
	ChainID  string
	Plugins  Plugins           // nil: skip the local plugin run
	Refs     []chain.PluginRef // the chain's plugin set (names as loaded in Plugins)
	Leaders  LeaderSource
	Client   *http.Client  // default: 60 s timeout
	Attempts int           // sends before giving up, default 5
	Backoff  time.Duration // first pause between attempts, doubled each time, default 200 ms
	Logger   *slog.Logger
	Now      func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Attempts == 0 {
		o.Attempts = 5
	}
	if o.Backoff == 0 {
		o.Backoff = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Pipeline submits transactions. It is safe for concurrent use.
type Pipeline struct{ o Options }

// New returns a pipeline.
func New(o Options) (*Pipeline, error) {
	if o.Leaders == nil {
		return nil, errors.New("middleware: Options.Leaders is required")
	}
	return &Pipeline{o: o.withDefaults()}, nil
}

// Result is a committed transaction.
type Result struct {
	TxID     string         `json:"txid"`
	Status   string         `json:"status"` // "accepted" or "rejected" (by execution, with Reason)
	Height   uint64         `json:"height"`
	Index    uint32         `json:"index"`
	Reason   string         `json:"reason,omitempty"`
	Plugins  []PluginResult `json:"plugins,omitempty"` // the local plugin run, scores included
	Attempts int            `json:"attempts"`
}

// Check runs the plugins that apply to tx locally: every validator and
// scorer, and the payment plugin of the receipt's provider. It returns the
// results and ErrRejected with the first rejecting plugin's reason.
func (p *Pipeline) Check(ctx context.Context, tx *chain.Tx) ([]PluginResult, error) {
	if p.o.Plugins == nil || tx.Career == nil {
		return nil, nil
	}
	in := PluginInput{ChainID: p.o.ChainID, Time: p.o.Now().Unix(), Tx: *tx}
	var out []PluginResult
	for _, ref := range p.o.Refs {
		if ref.Kind == chain.KindPayment && ref.Name != "payment-"+tx.Career.Receipt.Provider {
			continue
		}
		r := p.o.Plugins.Evaluate(ctx, ref.Name, in)
		out = append(out, r)
		if r.Verdict == pbft.Reject {
			return out, fmt.Errorf("%w by plugin %s (%s): %s", ErrRejected, ref.Name, r.Code, r.Reason)
		}
	}
	return out, nil
}

// Submit checks, sends and waits for tx; see the package comment.
func (p *Pipeline) Submit(ctx context.Context, tx *chain.Tx) (*Result, error) {
	raw, err := chain.EncodeTx(tx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	id := chain.TxID(tx)
	results, err := p.Check(ctx, tx)
	if err != nil {
		return &Result{TxID: id, Plugins: results}, err
	}
	pause := p.o.Backoff
	var last error
	failed := map[string]bool{} // replicas that did not answer: try the others
	for attempt := 1; attempt <= p.o.Attempts; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(pause):
			}
			pause *= 2
		}
		candidates, err := p.o.Leaders.Leader(ctx)
		if err != nil || len(candidates) == 0 {
			last = err
			p.o.Logger.Warn("middleware: no leader known", "txid", id, "attempt", attempt, "err", err)
			continue
		}
		// The leader, unless it failed us: then any replica that did not.
		// A follower passes the transaction to the leader and to the other
		// followers, whose timers replace a leader that ignores it.
		leader := candidates[0]
		for _, c := range candidates {
			if !failed[c] {
				leader = c
				break
			}
		}
		res, retry, err := p.send(ctx, leader, raw, id)
		if retry {
			failed[leader] = true
			if len(failed) >= len(candidates) {
				clear(failed)
			}
		}
		if err == nil {
			res.Plugins, res.Attempts = results, attempt
			return res, nil
		}
		if !retry {
			return &Result{TxID: id, Plugins: results, Attempts: attempt}, err
		}
		last = err
		p.o.Logger.Info("middleware: resending after a failed round", "txid", id, "attempt", attempt, "leader", leader, "err", err)
	}
	return nil, fmt.Errorf("%w: %d attempts, last: %v", ErrUnavailable, p.o.Attempts, last)
}

// replica returns an API client of base: one attempt per call (Submit
// has its own retry rule), bounded by Options.Client's timeout.
func (p *Pipeline) replica(base string) (*client.Client, error) {
	return client.New(base, client.Options{HTTPClient: p.o.Client, Timeout: -1, Retries: -1})
}

// send posts raw to base and waits for the commit. It reports whether a
// failure is worth another attempt.
func (p *Pipeline) send(ctx context.Context, base string, raw []byte, id string) (*Result, bool, error) {
	c, err := p.replica(base)
	if err != nil {
		return nil, true, err
	}
	r, err := c.SubmitAndWait(ctx, raw)
	if err == nil {
		return &Result{TxID: r.TxID, Status: r.Status, Height: r.Height, Index: r.Index, Reason: r.Reason}, false, nil
	}
	var ce *client.Error
	switch refused := errors.As(err, &ce); {
	case refused && ce.Code == client.CodeReplay:
		// An earlier attempt committed it: report that commit.
		v, err := c.Tx(ctx, id)
		if err != nil {
			return nil, true, fmt.Errorf("middleware: looking up %s: %w", id, err)
		}
		return &Result{TxID: id, Status: v.Result, Height: v.Height, Index: uint32(v.Index), Reason: v.Reason}, false, nil
	case refused && ce.Status == http.StatusConflict:
		return nil, false, fmt.Errorf("%w: %s", ErrRejected, ce.Message)
	case refused && ce.Status >= 400 && ce.Status < 500:
		return nil, false, fmt.Errorf("%w (%s): %s", ErrRejected, ce.Code, ce.Message)
	}
	// No answer, a bad one, a 5xx or too many redirects: the replica is
	// down or the round failed.
	return nil, true, fmt.Errorf("middleware: %s: %w", base, err)
}

// Replicas is a LeaderSource that asks the replicas themselves: the first
// that answers GET /api/v1/status names the leader and its API URL.
type Replicas struct {
	URLs   []string
	Client *http.Client // default: 5 s timeout
}

// Leader implements LeaderSource.
func (r Replicas) Leader(ctx context.Context) ([]string, error) {
	var last error = errors.New("no replica URL given")
	for _, u := range r.URLs {
		c, err := statusClient(u, r.Client)
		if err == nil {
			var st *client.Status
			if st, err = c.Status(ctx); err == nil {
				members := make([]member, 0, len(st.Members))
				for _, m := range st.Members {
					members = append(members, member{m.ID, m.API})
				}
				var urls []string
				if urls, err = leaderFirst(u, st.Leader, st.InViewChange, members); err == nil {
					return urls, nil
				}
			}
		}
		last = err
	}
	return nil, fmt.Errorf("%w: %v", ErrUnavailable, last)
}

// MSP is a LeaderSource that asks the membership service's status.
type MSP struct {
	URL    string
	Client *http.Client // default: 5 s timeout
}

// Leader implements LeaderSource.
func (m MSP) Leader(ctx context.Context) ([]string, error) {
	c, err := statusClient(m.URL, m.Client)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	st, err := c.MSPStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	members := make([]member, 0, len(st.Members))
	for _, mb := range st.Members {
		members = append(members, member{mb.ID, mb.API})
	}
	urls, err := leaderFirst(m.URL, st.Leader, st.InViewChange, members)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return urls, nil
}

func statusClient(base string, hc *http.Client) (*client.Client, error) {
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Second}
	}
	return client.New(base, client.Options{HTTPClient: hc, Timeout: -1, Retries: -1})
}

type member struct {
	id  uint64
	api string
}

// leaderFirst orders a status's members: the leader's API URL first, then
// the others'. During a view change there is no leader yet, so every
// member is a candidate.
func leaderFirst(from string, leader uint64, inViewChange bool, members []member) ([]string, error) {
	var out []string
	for _, m := range members {
		if m.api == "" {
			continue
		}
		if m.id == leader && !inViewChange {
			out = append([]string{m.api}, out...)
		} else {
			out = append(out, m.api)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no member has an API address", from)
	}
	return out, nil
}
