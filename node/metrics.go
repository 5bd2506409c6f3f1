package node

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the replica's counters and gauges, written in the Prometheus
// text format (version 0.0.4) by hand.
type metrics struct {
	height, view                        atomic.Uint64
	blocks, txAccepted, txRejected      atomic.Uint64
	viewChanges, badFrames, badRequests atomic.Uint64
	droppedRequests, earlyAnswers       atomic.Uint64
	fetched, fetchErrors                atomic.Uint64

	mu        sync.Mutex
	fsyncN    uint64
	fsyncSum  float64
	fsyncHist [len(fsyncBuckets)]uint64
}

var fsyncBuckets = [...]float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1}

func (m *metrics) observeFsync(d time.Duration) {
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fsyncN++
	m.fsyncSum += s
	for i, b := range fsyncBuckets {
		if s <= b {
			m.fsyncHist[i]++
		}
	}
}

func (n *Node) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	m := &n.metrics
	metric := func(name, typ, help string, v any) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %v\n", name, help, name, typ, name, v)
	}
	metric("careerchain_height", "gauge", "Height of the last executed block.", m.height.Load())
	metric("careerchain_view", "gauge", "Current pBFT view.", m.view.Load())
	metric("careerchain_blocks_committed_total", "counter", "Blocks executed.", m.blocks.Load())
	metric("careerchain_txs_accepted_total", "counter", "Transactions executed and accepted.", m.txAccepted.Load())
	metric("careerchain_txs_rejected_total", "counter", "Transactions executed and rejected.", m.txRejected.Load())
	metric("careerchain_view_changes_total", "counter", "View changes this replica started.", m.viewChanges.Load())
	metric("careerchain_bad_frames_total", "counter", "Peer frames dropped as undecodable or refused by the core.", m.badFrames.Load())
	metric("careerchain_tx_checks_total", "counter", "Transactions whose signatures and plugins this replica checked (once each, however they arrived).", n.val.cache.checks.Load())
	metric("careerchain_bad_requests_total", "counter", "Forwarded requests dropped for failing the stateless checks.", m.badRequests.Load())
	metric("careerchain_early_answers_total", "counter", "Submitters answered before the ledger's fsync, their block's commit already durable at a quorum.", m.earlyAnswers.Load())
	metric("careerchain_dropped_requests_total", "counter", "Forwarded requests dropped unchecked because the checker's queue was full.", m.droppedRequests.Load())
	metric("careerchain_blocks_fetched_total", "counter", "Blocks received by state transfer.", m.fetched.Load())
	metric("careerchain_fetch_errors_total", "counter", "Blocks refused during state transfer.", m.fetchErrors.Load())
	ix := n.led.IndexStats()
	metric("careerchain_ledger_index_log_entries", "gauge", "Index writes held in the ledger's log and in memory, not yet merged into the index buckets.", ix.Entries)
	metric("careerchain_ledger_index_merges_total", "counter", "Merges of the index log into the index buckets since the replica opened its ledger.", ix.Merges)
	var drops, sent, recv, oversized uint64
	for _, ps := range n.tr.Stats().Peers {
		drops += ps.Dropped
		sent += ps.Sent
		recv += ps.Received
		oversized += ps.OversizedSent + ps.OversizedReceived
	}
	metric("careerchain_transport_dropped_total", "counter", "Frames the transport dropped.", drops)
	fmt.Fprintf(&b, "# HELP careerchain_transport_frames_dropped_total Frames the transport dropped, by reason (size: over its frame limit, sent or received; each is logged at WARN with the peer and the size).\n# TYPE careerchain_transport_frames_dropped_total counter\ncareerchain_transport_frames_dropped_total{reason=\"size\"} %d\n", oversized)
	metric("careerchain_transport_sent_total", "counter", "Frames the transport sent.", sent)
	metric("careerchain_transport_received_total", "counter", "Frames the transport received.", recv)
	m.mu.Lock()
	b.WriteString("# HELP careerchain_fsync_seconds Duration of the ledger transaction (with fsync) per Ready.\n# TYPE careerchain_fsync_seconds histogram\n")
	for i, ub := range fsyncBuckets {
		fmt.Fprintf(&b, "careerchain_fsync_seconds_bucket{le=\"%g\"} %d\n", ub, m.fsyncHist[i])
	}
	fmt.Fprintf(&b, "careerchain_fsync_seconds_bucket{le=\"+Inf\"} %d\ncareerchain_fsync_seconds_sum %g\ncareerchain_fsync_seconds_count %d\n", m.fsyncN, m.fsyncSum, m.fsyncN)
	m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write([]byte(b.String()))
}
