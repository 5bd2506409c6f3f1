package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// Pool hands out pre-made transactions, each once: a resubmission would
// be a replay.
type Pool struct {
	mu   sync.Mutex
	txs  [][]byte
	next int
}

// NewPool returns a pool of txs.
func NewPool(txs [][]byte) *Pool { return &Pool{txs: txs} }

// take returns the next transaction, or nil when none is left.
func (p *Pool) take() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next >= len(p.txs) {
		return nil
	}
	p.next++
	return p.txs[p.next-1]
}

// Left is the number of transactions not handed out yet.
func (p *Pool) Left() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.txs) - p.next
}

// Point is one measurement: K closed-loop clients for a duration.
type Point struct {
	Clients     int     `json:"clients"`
	Seconds     float64 `json:"seconds"`
	Committed   int     `json:"committed"` // answered 200 (accepted or rejected by execution)
	Rejected    int     `json:"rejected_by_execution"`
	TxPerSec    float64 `json:"committed_tx_per_s"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	MeanMs      float64 `json:"mean_ms"`
	PoolEmptied bool    `json:"pool_emptied,omitempty"` // the run ended early: no transactions left
	// Refusals by the API's error code ("unreachable" for a failed
	// connection): none is expected.
	Refusals map[string]int `json:"refusals"`
	// The first message of each refusal code, to tell what happened.
	RefusalSamples map[string]string `json:"refusal_samples,omitempty"`
	// From the replicas' /metrics, summed over replicas, during the point.
	ViewChanges     uint64 `json:"view_changes"`
	DroppedRequests uint64 `json:"dropped_requests"`
	// Only when the benchmark started the processes (from /proc).
	CPUPerTxUs float64    `json:"cpu_us_per_tx,omitempty"` // all replicas' CPU per committed tx
	Replicas   []ProcStat `json:"replicas,omitempty"`
	OfCeiling  float64    `json:"of_ceiling"`               // TxPerSec / ceiling tx/s
	CPUOfCeil  float64    `json:"cpu_of_ceiling,omitempty"` // ceiling CPU per tx / CPUPerTxUs
	BlockTxs   float64    `json:"tx_per_block,omitempty"`
	Blocks     uint64     `json:"blocks"`
	latencies  []time.Duration
	refusalsMu sync.Mutex
}

// ProcStat is one replica process during a point.
type ProcStat struct {
	PID       int     `json:"pid"`
	CPUSec    float64 `json:"cpu_s"`
	RSSMiB    float64 `json:"rss_mib"`      // at the end of the point
	PeakRSSMB float64 `json:"peak_rss_mib"` // VmHWM since the process started
}

// RunOptions configure Run.
type RunOptions struct {
	Clients  int
	Duration time.Duration
	// Progress, if set, is called about every 250 ms with a one-line
	// summary of the run so far.
	Progress func(line string)
}

// Run drives the network with o.Clients closed-loop clients, client i
// submitting to replica i mod N with POST /api/v1/tx?wait=1 until
// o.Duration has passed (those in flight then finish), and measures.
func (nw *Network) Run(ctx context.Context, pool *Pool, o RunOptions) (*Point, error) {
	pt := &Point{Clients: o.Clients, Refusals: map[string]int{}, RefusalSamples: map[string]string{}}
	hc, closeAll := clientsFor(o.Clients)
	defer closeAll()
	before, err := nw.scrape(ctx, hc[0])
	if err != nil {
		return nil, err
	}
	cpu0, err := nw.procCPU()
	if err != nil {
		return nil, err
	}
	lats := make([][]time.Duration, o.Clients)
	var committed atomic.Int64
	var emptied atomic.Bool
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for w := range o.Clients {
		url := nw.URLs[w%len(nw.URLs)] + "/api/v1/tx?wait=1"
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				raw := pool.take()
				if raw == nil {
					emptied.Store(true)
					return
				}
				t0 := time.Now()
				res, code, msg := submit(ctx, hc[w/clientsPerAddr], url, raw)
				if code != "" {
					pt.refusalsMu.Lock()
					pt.Refusals[code]++
					if _, ok := pt.RefusalSamples[code]; !ok {
						pt.RefusalSamples[code] = msg
					}
					pt.refusalsMu.Unlock()
					continue
				}
				lats[w] = append(lats[w], time.Since(t0))
				committed.Add(1)
				if res.Status == client.TxRejected {
					pt.refusalsMu.Lock()
					pt.Rejected++
					pt.refusalsMu.Unlock()
				}
			}
		})
	}
	stop := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if o.Progress == nil {
			return
		}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				el := time.Since(start)
				n := committed.Load()
				o.Progress(fmt.Sprintf("%d clients  %4.1f/%.0f s  %d committed  %.0f tx/s", o.Clients, el.Seconds(), o.Duration.Seconds(), n, float64(n)/el.Seconds()))
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-progressDone
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	after, err := nw.scrape(ctx, hc[0])
	if err != nil {
		return nil, err
	}
	for _, l := range lats {
		pt.latencies = append(pt.latencies, l...)
	}
	slices.Sort(pt.latencies)
	pt.Seconds = elapsed.Seconds()
	pt.PoolEmptied = emptied.Load()
	pt.Committed = len(pt.latencies)
	pt.TxPerSec = float64(pt.Committed) / elapsed.Seconds()
	pt.P50ms, pt.P95ms, pt.P99ms = ms(quantile(pt.latencies, 0.50)), ms(quantile(pt.latencies, 0.95)), ms(quantile(pt.latencies, 0.99))
	if pt.Committed > 0 {
		var sum time.Duration
		for _, d := range pt.latencies {
			sum += d
		}
		pt.MeanMs = ms(sum / time.Duration(pt.Committed))
	}
	pt.ViewChanges = after.viewChanges - before.viewChanges
	pt.DroppedRequests = after.dropped - before.dropped
	pt.Blocks = (after.blocks - before.blocks) / uint64(len(nw.URLs))
	if pt.Blocks > 0 {
		pt.BlockTxs = float64(pt.Committed) / float64(pt.Blocks)
	}
	if len(nw.Procs) > 0 {
		cpu1, err := nw.procCPU()
		if err != nil {
			return nil, err
		}
		var total time.Duration
		for i, cmd := range nw.Procs {
			rss, peak, err := ProcMem(cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			d := cpu1[i] - cpu0[i]
			total += d
			pt.Replicas = append(pt.Replicas, ProcStat{PID: cmd.Process.Pid, CPUSec: d.Seconds(), RSSMiB: mib(rss), PeakRSSMB: mib(peak)})
		}
		if pt.Committed > 0 {
			pt.CPUPerTxUs = float64(total.Microseconds()) / float64(pt.Committed)
		}
	}
	return pt, nil
}

// clientsPerAddr is how many clients share one loopback source address:
// a replica accepts at most 64 connections per client address
// (httpkit.Options.MaxConnsPerClient), so the benchmark's clients come
// from 127.0.0.2, 127.0.0.3, … as if from separate hosts, a group each.
const clientsPerAddr = 32

// clientsFor returns one HTTP client per group of clientsPerAddr clients,
// each dialling from its own loopback address (on Linux all of 127/8 is
// local), and a function closing their idle connections.
func clientsFor(clients int) ([]*http.Client, func()) {
	var hcs []*http.Client
	var trs []*http.Transport
	for g := 0; g*clientsPerAddr < max(clients, 1); g++ {
		d := &net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, byte(g/250), byte(g%250), 2)}}
		tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: clientsPerAddr, IdleConnTimeout: time.Minute}
		trs = append(trs, tr)
		hcs = append(hcs, &http.Client{Transport: tr, Timeout: 90 * time.Second})
	}
	return hcs, func() {
		for _, tr := range trs {
			tr.CloseIdleConnections()
		}
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quantile returns the q-quantile of sorted durations (nearest rank), 0
// for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// submit posts one transaction and waits for its commit; code is "" on a
// 200 answer, else the API's error code, "unreachable" or
// "client_timeout", with the message.
func submit(ctx context.Context, hc *http.Client, url string, raw []byte) (res client.SubmitResult, code, msg string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return res, "unreachable", err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return res, "client_timeout", err.Error()
		}
		return res, "unreachable", err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return res, "unreachable", err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		var eb client.ErrorBody
		if json.Unmarshal(body, &eb) != nil || eb.Code == "" {
			return res, "http_" + strconv.Itoa(resp.StatusCode), string(body[:min(len(body), 200)])
		}
		return res, string(eb.Code), eb.Error
	}
	if json.Unmarshal(body, &res) != nil {
		return res, "bad_answer", string(body[:min(len(body), 200)])
	}
	return res, "", ""
}

func (nw *Network) procCPU() ([]time.Duration, error) {
	out := make([]time.Duration, len(nw.Procs))
	for i, cmd := range nw.Procs {
		d, err := ProcCPU(cmd.Process.Pid)
		if err != nil {
			return nil, fmt.Errorf("replica %d: %w", i+1, err)
		}
		out[i] = d
	}
	return out, nil
}

// counters are the replicas' /metrics counters the report uses, summed.
type counters struct{ viewChanges, dropped, blocks uint64 }

func (nw *Network) scrape(ctx context.Context, hc *http.Client) (counters, error) {
	var c counters
	for _, u := range nw.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u+"/metrics", nil)
		if err != nil {
			return c, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return c, fmt.Errorf("reading %s/metrics: %w", u, err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			name, v, ok := strings.Cut(sc.Text(), " ")
			if !ok {
				continue
			}
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			switch name {
			case "careerchain_view_changes_total":
				c.viewChanges += uint64(n)
			case "careerchain_dropped_requests_total":
				c.dropped += uint64(n)
			case "careerchain_blocks_committed_total":
				c.blocks += uint64(n)
			}
		}
		resp.Body.Close()
		if err := sc.Err(); err != nil {
			return c, fmt.Errorf("reading %s/metrics: %w", u, err)
		}
	}
	return c, nil
}

// Warm submits one transaction of txs to each replica at once and waits
// for the commits, unmeasured: the first commits pay one-time costs (the
// plugins' compilation, connection set-up) that are not the load's.
func (nw *Network) Warm(ctx context.Context, txs [][]byte) error {
	hc := &http.Client{Timeout: 90 * time.Second}
	errs := make(chan error, len(txs))
	var wg sync.WaitGroup
	for i, raw := range txs {
		url := nw.URLs[i%len(nw.URLs)] + "/api/v1/tx?wait=1"
		wg.Go(func() {
			if _, code, msg := submit(ctx, hc, url, raw); code != "" {
				errs <- fmt.Errorf("warm-up transaction at %s refused: %s: %s", url, code, msg)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
