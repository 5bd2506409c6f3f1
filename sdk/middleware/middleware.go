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
// the local run is a courtesy to the user, never a security boundary.
package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
)

// Errors.
var (
	ErrRejected    = errors.New("middleware: transaction rejected")
	ErrUnavailable = errors.New("middleware: no replica could take the transaction")
)

// Plugins evaluates plugins locally; *wasm.Host implements it.
type Plugins interface {
	Evaluate(ctx context.Context, name string, in wasm.Input) wasm.Result
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
	TxID     string        `json:"txid"`
	Status   string        `json:"status"` // "accepted" or "rejected" (by execution, with Reason)
	Height   uint64        `json:"height"`
	Index    uint32        `json:"index"`
	Reason   string        `json:"reason,omitempty"`
	Plugins  []wasm.Result `json:"plugins,omitempty"` // the local plugin run, scores included
	Attempts int           `json:"attempts"`
}

// Check runs the plugins that apply to tx locally: every validator and
// scorer, and the payment plugin of the receipt's provider. It returns the
// results and ErrRejected with the first rejecting plugin's reason.
func (p *Pipeline) Check(ctx context.Context, tx *chain.Tx) ([]wasm.Result, error) {
	if p.o.Plugins == nil || tx.Career == nil {
		return nil, nil
	}
	in := wasm.Input{ChainID: p.o.ChainID, Time: p.o.Now().Unix(), Tx: *tx}
	var out []wasm.Result
	for _, ref := range p.o.Refs {
		if ref.Kind == wasm.KindPayment && ref.Name != "payment-"+tx.Career.Receipt.Provider {
			continue
		}
		r := p.o.Plugins.Evaluate(ctx, ref.Name, in)
		out = append(out, r)
		if r.Verdict.Rejects() {
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

type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// send posts raw to base and waits for the commit. It reports whether a
// failure is worth another attempt.
func (p *Pipeline) send(ctx context.Context, base string, raw []byte, id string) (*Result, bool, error) {
	url := strings.TrimRight(base, "/") + "/api/v1/tx?wait=1"
	for hop := 0; hop < 3; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
		if err != nil {
			return nil, false, err
		}
		req.Header.Set("Content-Type", "application/json")
		client := *p.o.Client
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			return nil, true, err // the replica is down or the round timed out
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			var r Result
			if err := json.Unmarshal(body, &r); err != nil {
				return nil, true, fmt.Errorf("middleware: bad answer from %s: %v", base, err)
			}
			return &r, false, nil
		case resp.StatusCode == http.StatusTemporaryRedirect && resp.Header.Get("Location") != "":
			url = resp.Header.Get("Location") + "?wait=1"
			continue
		case resp.StatusCode == http.StatusConflict:
			var e apiError
			_ = json.Unmarshal(body, &e)
			if e.Code == "replay" {
				// An earlier attempt committed it: report that commit.
				r, err := p.lookup(ctx, base, id)
				return r, err != nil, err
			}
			return nil, false, fmt.Errorf("%w: %s", ErrRejected, e.Error)
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			var e apiError
			_ = json.Unmarshal(body, &e)
			return nil, false, fmt.Errorf("%w (%s): %s", ErrRejected, e.Code, e.Error)
		default:
			return nil, true, fmt.Errorf("middleware: %s answered %d: %s", base, resp.StatusCode, strings.TrimSpace(string(body)))
		}
	}
	return nil, true, fmt.Errorf("middleware: too many redirects from %s", base)
}

// lookup reads a committed transaction's result.
func (p *Pipeline) lookup(ctx context.Context, base, id string) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/api/v1/tx/"+id, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.o.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("middleware: looking up %s: status %d", id, resp.StatusCode)
	}
	var v struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
		Height uint64 `json:"height"`
		Index  uint32 `json:"index"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&v); err != nil {
		return nil, err
	}
	return &Result{TxID: id, Status: v.Result, Height: v.Height, Index: v.Index, Reason: v.Reason}, nil
}

// Replicas is a LeaderSource that asks the replicas themselves: the first
// that answers GET /api/v1/status names the leader and its API URL.
type Replicas struct {
	URLs   []string
	Client *http.Client
}

// Leader implements LeaderSource.
func (r Replicas) Leader(ctx context.Context) ([]string, error) {
	client := r.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	var last error
	for _, u := range r.URLs {
		urls, err := leaderFrom(ctx, client, strings.TrimRight(u, "/")+"/api/v1/status")
		if err == nil {
			return urls, nil
		}
		last = err
	}
	return nil, fmt.Errorf("%w: %v", ErrUnavailable, last)
}

// MSP is a LeaderSource that asks the membership service's status, which
// has the same leader and members fields as a replica's.
type MSP struct {
	URL    string
	Client *http.Client
}

// Leader implements LeaderSource.
func (m MSP) Leader(ctx context.Context) ([]string, error) {
	return Replicas{URLs: []string{m.URL}, Client: m.Client}.Leader(ctx)
}

// leaderFrom reads a status document: the leader's API URL first, then
// the other members'. During a view change there is no leader yet, so
// every member is a candidate.
func leaderFrom(ctx context.Context, client *http.Client, url string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st struct {
		Leader       uint64 `json:"leader"`
		InViewChange bool   `json:"in_view_change"`
		Members      []struct {
			ID  uint64 `json:"id"`
			API string `json:"api"`
		} `json:"members"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: %v", url, err)
	}
	var out []string
	for _, m := range st.Members {
		if m.API == "" {
			continue
		}
		if m.ID == st.Leader && !st.InViewChange {
			out = append([]string{m.API}, out...)
		} else {
			out = append(out, m.API)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no member has an API address", url)
	}
	return out, nil
}
