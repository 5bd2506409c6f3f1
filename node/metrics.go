package node

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// metrics are the replica's measurements. The counters are atomics the
// loop bumps where it counts; the histograms are created on first use (the
// struct is a zero value inside Node). registry exposes both through
// client_golang, with the Go and process collectors and the API's request
// latency by route (httpkit.Metrics).
type metrics struct {
	height, view                        atomic.Uint64
	knownHeight                         atomic.Uint64 // highest certified height heard of (state transfer's target)
	blocks, txAccepted, txRejected      atomic.Uint64
	viewChanges, badFrames, badRequests atomic.Uint64
	droppedRequests, earlyAnswers       atomic.Uint64
	fetched, fetchErrors                atomic.Uint64

	once                   sync.Once
	fsync, commit, plugins prometheus.Histogram
}

func (m *metrics) init() {
	m.once.Do(func() {
		m.fsync = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "careerchain_fsync_seconds",
			Help:    "Duration of the ledger transaction (with fsync) per Ready.",
			Buckets: []float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1}})
		m.commit = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "careerchain_commit_latency_seconds",
			Help:    "From a POST /api/v1/tx?wait=1 arriving at this replica to its transaction committed and executed.",
			Buckets: []float64{0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}})
		m.plugins = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "careerchain_plugin_check_seconds",
			Help:    "Duration of one transaction's plugin check (every validator and payment plugin it needs).",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2}})
	})
}

func (m *metrics) observeFsync(d time.Duration) {
	m.init()
	m.fsync.Observe(d.Seconds())
}

// fsyncTotals returns the count and the sum (seconds) of the fsync histogram.
func (m *metrics) fsyncTotals() (n uint64, sum float64) {
	m.init()
	var d dto.Metric
	if err := m.fsync.Write(&d); err != nil || d.Histogram == nil {
		return 0, 0
	}
	return d.Histogram.GetSampleCount(), d.Histogram.GetSampleSum()
}

func (m *metrics) observeCommit(d time.Duration) {
	m.init()
	m.commit.Observe(d.Seconds())
}

// meteredPlugins times each CheckTx of the plugins it wraps.
type meteredPlugins struct {
	Plugins
	m *metrics
}

func (m *metrics) timePlugins(p Plugins) Plugins {
	if _, nop := p.(NopPlugins); nop || p == nil {
		return p
	}
	m.init()
	return meteredPlugins{Plugins: p, m: m}
}

func (t meteredPlugins) CheckTx(ctx context.Context, tx *chain.Tx, bctx BlockContext) Judgement {
	start := time.Now()
	v := t.Plugins.CheckTx(ctx, tx, bctx)
	t.m.plugins.Observe(time.Since(start).Seconds())
	return v
}

// Preload forwards to the wrapped plugins when they compile modules.
func (t meteredPlugins) Preload(ctx context.Context, refs []chain.PluginRef) error {
	if p, ok := t.Plugins.(preloader); ok {
		return p.Preload(ctx, refs)
	}
	return nil
}

// newMetrics builds the API's registry.
func (n *Node) newMetrics() *httpkit.Metrics {
	hm := httpkit.NewMetrics("careerchain")
	m := &n.metrics
	m.init()
	reg := hm.Registry()
	load := func(a *atomic.Uint64) func() float64 { return func() float64 { return float64(a.Load()) } }
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	gauge("careerchain_height", "Height of the last executed block.", load(&m.height))
	gauge("careerchain_known_height", "Highest certified height this replica has heard of (it is catching up while below it).", load(&m.knownHeight))
	gauge("careerchain_view", "Current pBFT view.", load(&m.view))
	counter("careerchain_blocks_committed_total", "Blocks executed.", load(&m.blocks))
	counter("careerchain_txs_accepted_total", "Transactions executed and accepted.", load(&m.txAccepted))
	counter("careerchain_txs_rejected_total", "Transactions executed and rejected.", load(&m.txRejected))
	counter("careerchain_view_changes_total", "View changes this replica started.", load(&m.viewChanges))
	counter("careerchain_bad_frames_total", "Peer frames dropped as undecodable or refused by the core.", load(&m.badFrames))
	counter("careerchain_tx_checks_total", "Transactions whose signatures and plugins this replica checked (once each, however they arrived).", load(&n.val.cache.checks))
	counter("careerchain_bad_requests_total", "Forwarded requests dropped for failing the stateless checks.", load(&m.badRequests))
	counter("careerchain_early_answers_total", "Submitters answered before the ledger's fsync, their block's commit already durable at a quorum.", load(&m.earlyAnswers))
	counter("careerchain_dropped_requests_total", "Forwarded requests dropped unchecked because the checker's queue was full.", load(&m.droppedRequests))
	counter("careerchain_blocks_fetched_total", "Blocks received by state transfer.", load(&m.fetched))
	counter("careerchain_fetch_errors_total", "Blocks refused during state transfer.", load(&m.fetchErrors))
	gauge("careerchain_ledger_index_log_entries", "Index writes held in the ledger's log and in memory, not yet merged into the index buckets.",
		func() float64 { return float64(n.led.IndexStats().Entries) })
	counter("careerchain_ledger_index_merges_total", "Merges of the index log into the index buckets since the replica opened its ledger.",
		func() float64 { return float64(n.led.IndexStats().Merges) })
	peers := func(f func(ps quicnet.PeerStats) uint64) func() float64 {
		return func() float64 {
			var sum uint64
			for _, ps := range n.tr.Stats().Peers {
				sum += f(ps)
			}
			return float64(sum)
		}
	}
	counter("careerchain_transport_dropped_total", "Frames the transport dropped.", peers(func(ps quicnet.PeerStats) uint64 { return ps.Dropped }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "careerchain_transport_frames_dropped_total",
		Help:        "Frames the transport dropped, by reason (size: over its frame limit, sent or received; each is logged at WARN with the peer and the size).",
		ConstLabels: prometheus.Labels{"reason": "size"}},
		peers(func(ps quicnet.PeerStats) uint64 { return ps.OversizedSent + ps.OversizedReceived })))
	counter("careerchain_transport_sent_total", "Frames the transport sent.", peers(func(ps quicnet.PeerStats) uint64 { return ps.Sent }))
	counter("careerchain_transport_received_total", "Frames the transport received.", peers(func(ps quicnet.PeerStats) uint64 { return ps.Received }))
	gauge("careerchain_peers_connected", "Members this replica holds a transport connection to (itself not counted).",
		peers(func(ps quicnet.PeerStats) uint64 {
			if ps.Connected {
				return 1
			}
			return 0
		}))
	reg.MustRegister(m.fsync, m.commit, m.plugins)
	return hm
}

// readyz answers 200 when the replica is running, not in a view change,
// caught up with the highest certified height it has heard of, and
// connected to a quorum of the membership (itself included); otherwise
// 503, with every reason in the body.
func (n *Node) readyz(w http.ResponseWriter, r *http.Request) error {
	n.runMu.Lock()
	running := n.running && !n.closed.Load()
	n.runMu.Unlock()
	rd := client.Readiness{Height: n.metrics.height.Load(), KnownHeight: n.metrics.knownHeight.Load()}
	if !running {
		rd.Reasons = append(rd.Reasons, "the replica is not running")
	}
	if s := n.status.Load(); s != nil && s.InViewChange {
		rd.Reasons = append(rd.Reasons, "a view change is under way")
	}
	if rd.Height < rd.KnownHeight {
		rd.Reasons = append(rd.Reasons, fmt.Sprintf("catching up: at height %d of %d", rd.Height, rd.KnownHeight))
	}
	ms := n.core.Status().Membership
	rd.Quorum = ms.Quorum()
	if _, member := ms.Member(n.cfg.ID); member {
		rd.Connected = 1
	}
	for id, ps := range n.tr.Stats().Peers {
		if _, ok := ms.Member(id); ok && ps.Connected {
			rd.Connected++
		}
	}
	if rd.Connected < rd.Quorum {
		rd.Reasons = append(rd.Reasons, fmt.Sprintf("quorum unreachable: %d of the %d members reachable (itself included), %d needed",
			rd.Connected, len(ms.Members), rd.Quorum))
	}
	httpkit.WriteReadiness(w, rd)
	return nil
}
