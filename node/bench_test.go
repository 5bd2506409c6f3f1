package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/careerchain/careerchain/internal/gctune"
	"github.com/careerchain/careerchain/sdk/chain"
)

// BenchmarkClusterMem and BenchmarkClusterQUIC measure committed
// transactions per second and commit latency (submission to execution on
// the receiving replica) for 4 replicas with real ML-DSA certificates,
// Ed25519 transaction signatures and fsync, at two offered loads: 64
// closed-loop clients spread over the replicas (latency under moderate
// load) and 1024 (saturation: the peak throughput, which is what the
// ceiling is compared with).
func BenchmarkClusterMem(b *testing.B)  { benchLoads(b, false) }
func BenchmarkClusterQUIC(b *testing.B) { benchLoads(b, true) }

func benchLoads(b *testing.B, useQUIC bool) {
	for _, n := range []int{64, 1024} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { benchClusterClients(b, useQUIC, n, 0, nil) })
	}
}

// BenchmarkClusterInFlight compares pipelining depths over the in-memory transport.
func BenchmarkClusterInFlight(b *testing.B) {
	for _, k := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("inflight=%d", k), func(b *testing.B) {
			benchClusterTuned(b, false, func(cfg *Config) { cfg.MaxInFlight = k })
		})
	}
}

// BenchmarkClusterLightLoad measures commit latency without queueing:
// "paced" is one client submitting every 20 ms (about 50 tx/s, a few
// percent of capacity), so each transaction finds the replicas idle;
// "fsync" is one client submitting back to back, so each transaction also
// waits for the tail of the one before (its ledger write at the primary).
func BenchmarkClusterLightLoad(b *testing.B) {
	b.Run("paced", func(b *testing.B) { benchClusterClients(b, false, 1, 20*time.Millisecond, nil) })
	b.Run("fsync", func(b *testing.B) { benchClusterClients(b, false, 1, 0, nil) })
	// Without fsync: how much of the latency the disk accounts for.
	b.Run("nosync", func(b *testing.B) { benchClusterClients(b, false, 1, 0, func(c *Config) { c.NoSync = true }) })
}

func benchClusterTuned(b *testing.B, useQUIC bool, tune func(*Config)) {
	benchClusterClients(b, useQUIC, 64, 0, tune)
}

// benchClusterClients runs the cluster benchmark with the given number of
// closed-loop clients; with pace > 0, the k-th transaction is not submitted
// before k×pace after the start.
func benchClusterClients(b *testing.B, useQUIC bool, clients int, pace time.Duration, tune func(*Config)) {
	defer debug.SetGCPercent(debug.SetGCPercent(gctune.Percent)) // as careerd runs a replica
	c := newCluster(b, 4, useQUIC, func(cfg *Config) {
		cfg.RequestTimeout = 1000
		cfg.CheckpointInterval = 0 // careerd's default, not the tests' short one
		if tune != nil {
			tune(cfg)
		}
	})
	txs := make([][]byte, b.N)
	for k := range txs {
		txs[k] = encode(b, c.careerTx(b, wallet(b, fmt.Sprintf("bench %d", k)), uint64(k)))
	}
	lat := make([]time.Duration, b.N)
	var next sync.Mutex
	k := 0
	params := c.node(0).state.Load().params
	// The ceiling is measured before the clients start (the replicas idle)
	// and again after (the replicas stopped), and the two are averaged:
	// the machine's speed drifts during a run.
	ceil0, ceilCPU0 := checkCeiling(b, txs, params)
	b.ResetTimer()
	steal0 := stolenTicks()
	cpu0 := cpuTime(b)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			for {
				next.Lock()
				i := k
				k++
				next.Unlock()
				if i >= len(txs) {
					return
				}
				if pace > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(i) * pace)))
				}
				nd := c.node(w % 4)
				id := sha256.Sum256(txs[i])
				done, cancel := nd.waiters.add(id)
				t0 := time.Now()
				// What POST /api/v1/tx does, without HTTP and JSON (a
				// replica whose Run has not begun yet is not ready).
				p, err := nd.admit(context.Background(), txs[i])
				for errors.Is(err, ErrNotReady) {
					time.Sleep(time.Millisecond)
					p, err = nd.admit(context.Background(), txs[i])
				}
				if err != nil {
					b.Errorf("submission refused: %v", err)
					cancel()
					continue
				}
				for nd.submit(context.Background(), p) != nil {
					time.Sleep(time.Millisecond)
				}
				select {
				case <-done:
				case <-time.After(60 * time.Second):
					b.Error("no commit within 60 s")
				}
				lat[i] = time.Since(t0)
				cancel()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	clusterCPU := cpuTime(b) - cpu0
	if st, total := stolenTicks().sub(steal0); total > 0 {
		// CPU time the hypervisor gave other machines while this one
		// wanted it: neither the cluster's nor idle.
		b.ReportMetric(100*float64(st)/float64(total), "steal-%")
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	// Ledger transactions (each with its fsyncs) per committed block and
	// replica, and their mean duration: what the disk adds to a commit.
	var persists, blocks uint64
	var persistSec float64
	for i := range 4 {
		m := &c.node(i).metrics
		fn, fs := m.fsyncTotals()
		persists, persistSec = persists+fn, persistSec+fs
		blocks += m.blocks.Load()
	}
	var checks uint64
	for i := range 4 {
		checks += c.node(i).val.cache.checks.Load()
	}
	// One check per replica is the floor: four.
	b.ReportMetric(float64(checks)/float64(b.N), "checks/tx")
	var vcs, bad uint64
	for i := range 4 {
		vcs += c.node(i).metrics.viewChanges.Load()
		bad += c.node(i).metrics.droppedRequests.Load()
	}
	// Overload signs: forwarded requests dropped (a full checker queue)
	// and view changes (one per replica that moved).
	b.ReportMetric(float64(bad), "dropped-reqs")
	b.ReportMetric(float64(vcs), "view-changes")
	if blocks > 0 {
		b.ReportMetric(float64(4*b.N)/float64(blocks), "tx/block")
	}
	if blocks > 0 && persists > 0 {
		b.ReportMetric(float64(persists)/float64(blocks), "persists/block")
		b.ReportMetric(1000*persistSec/float64(persists), "persist-ms")
	}

	// The per-transaction CPU ceiling, measured in the same run: the
	// stateless checks (signatures) every replica must do, four replicas'
	// worth, spread over the machine's cores. The replicas are stopped
	// first and the garbage collected, so nothing else competes.
	c.stopAll()
	runtime.GC()
	ceil1, ceilCPU1 := checkCeiling(b, txs, params)
	ceiling, ceilingCPU := (ceil0+ceil1)/2, (ceilCPU0+ceilCPU1)/2
	b.ReportMetric(ceil1/ceil0, "ceiling-drift")
	b.ReportMetric(ceiling, "ceiling-tx/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds()/ceiling, "of-ceiling")
	// The same comparison in CPU time, which other processes on the
	// machine disturb far less than wall-clock rates: the CPU the cluster
	// spent per committed transaction against the unavoidable checks'.
	b.ReportMetric(float64(clusterCPU.Microseconds())/float64(b.N), "cpu-µs/tx")
	b.ReportMetric(float64(ceilingCPU)/float64(clusterCPU), "cpu-of-ceiling")
}

// checkCeiling decodes and checks every transaction four times (one per
// replica) on all cores and returns the rate in transactions per second
// and the CPU time it took.
func checkCeiling(b *testing.B, txs [][]byte, params chain.Params) (float64, time.Duration) {
	cores := runtime.GOMAXPROCS(0)
	work := make(chan []byte, 4*len(txs))
	for range 4 {
		for _, raw := range txs {
			work <- raw
		}
	}
	close(work)
	t0, cpu0 := time.Now(), cpuTime(b)
	var wg sync.WaitGroup
	for range cores {
		wg.Go(func() {
			// Labelled, so that a CPU profile can leave this phase out
			// (go tool pprof -tagignore phase=ceiling).
			pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("phase", "ceiling")))
			for raw := range work {
				tx, err := chain.DecodeTx(raw, params.MaxTxBytes)
				if err != nil || tx.CheckStateless(params) != nil {
					b.Error("bench transaction fails its checks")
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(len(txs)) / time.Since(t0).Seconds(), cpuTime(b) - cpu0
}

// cpuTicks are the machine's CPU time counters (Linux /proc/stat), for
// the share the hypervisor took.
type cpuTicks struct{ steal, total uint64 }

// stolenTicks reads the counters; zero where /proc/stat is missing.
func stolenTicks() cpuTicks {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTicks{}
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var t cpuTicks
	for i := 1; i < len(f); i++ {
		v, _ := strconv.ParseUint(f[i], 10, 64)
		if i <= 8 {
			t.total += v
		}
		if i == 8 {
			t.steal = v
		}
	}
	return t
}

func (t cpuTicks) sub(u cpuTicks) (steal, total uint64) { return t.steal - u.steal, t.total - u.total }

// cpuTime returns the CPU time (user + system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
