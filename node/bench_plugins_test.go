package node

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
	"golang.org/x/sys/unix"
)

// BenchmarkClusterPlugins runs the 4-replica cluster of BenchmarkClusterMem
// with the shipped career-validator and payment-sandbox plugins pinned in
// the genesis, so every replica runs both on every career transaction, as
// in production (one plugin host per replica, sharing a compilation
// cache). Besides the cluster's own metrics (tx/s, cpu-µs/tx, ...) it
// reports:
//
//   - plugin-µs/tx: wall-clock time spent inside Plugins.CheckTx, summed
//     over the four replicas, per committed transaction;
//   - plugin-%: that time over the process's CPU time (getrusage user +
//     system) between the first and the last plugin call, i.e. over the
//     run. Time inside a call includes moments the goroutine waited for a
//     core, so on a loaded machine this overstates the plugins' share;
//   - plugin-cpu-%: the CPU time of the calls (each runs on a locked OS
//     thread whose CPU clock is read before and after) over the same
//     process CPU time: the share the plugins' work takes.
func BenchmarkClusterPlugins(b *testing.B) {
	dir := b.TempDir()
	for _, name := range []string{"career-validator", "payment-sandbox"} {
		if err := os.WriteFile(filepath.Join(dir, name+".wasm"), pluginModule(b, name), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cacheDir := b.TempDir()
	var (
		mu    sync.Mutex
		hosts []*WasmPlugins
		stats pluginStats
	)
	defer func() {
		for _, h := range hosts {
			_ = h.Close(context.Background())
		}
	}()
	benchClusterTuned(b, false, func(cfg *Config) {
		// The payment plugin accepts the receipts the cluster's careerTx
		// issues: signed by the genesis payment issuer, 5000 KRW.
		g := *cfg.Genesis
		paymentConfig := `{"issuers":["` + g.Config.PaymentIssuers[0] + `"],"amount":5000,"currency":"KRW"}`
		refs, err := PluginRefs(dir, paymentConfig)
		if err != nil || len(refs) != 2 {
			b.Fatalf("PluginRefs: %v %v", refs, err)
		}
		g.Config.Plugins = refs
		cfg.Genesis = &g
		p, err := NewWasmPlugins(context.Background(), dir, wasm.Options{CacheDir: cacheDir})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Preload(context.Background(), refs); err != nil {
			b.Fatal(err)
		}
		mu.Lock()
		hosts = append(hosts, p)
		mu.Unlock()
		cfg.Plugins = &timedPlugins{next: p, stats: &stats}
	})
	if stats.calls.Load() == 0 {
		b.Fatal("no plugin calls")
	}
	if n := stats.rejects.Load(); n > 0 {
		b.Fatalf("the plugins rejected %d valid transactions, the first because: %s", n, *stats.firstReject.Load())
	}
	inCalls := time.Duration(stats.inCalls.Load())
	run := time.Duration(stats.lastCPU.Load() - stats.firstCPU.Load())
	b.ReportMetric(float64(inCalls.Microseconds())/float64(b.N), "plugin-µs/tx")
	b.ReportMetric(100*float64(inCalls)/float64(run), "plugin-%")
	b.ReportMetric(100*float64(stats.cpuInCalls.Load())/float64(run), "plugin-cpu-%")
	b.ReportMetric(float64(stats.calls.Load())/float64(b.N), "plugin-calls/tx")
	b.ReportMetric(float64(stats.abstains.Load()), "plugin-abstains") // wall-clock limit hit on a loaded machine
}

// pluginStats accumulates what timedPlugins measures.
type pluginStats struct {
	calls             atomic.Int64
	rejects, abstains atomic.Int64
	firstReject       atomic.Pointer[string]
	inCalls           atomic.Int64 // ns inside CheckTx
	cpuInCalls        atomic.Int64 // CPU ns of the threads running CheckTx
	first             sync.Once
	firstCPU, lastCPU atomic.Int64 // process CPU ns at the first call's start and the latest call's end
}

// timedPlugins times the calls into the Plugins it wraps.
type timedPlugins struct {
	next  Plugins
	stats *pluginStats
}

// SigVerifier passes on the wrapped plugins' (WasmPlugins'), so that the
// benchmark's replicas note signatures for their hosts as careerd's do.
func (t *timedPlugins) SigVerifier() chain.SigVerifier { return sigVerifier(t.next) }

func (t *timedPlugins) CheckTx(ctx context.Context, tx *chain.Tx, bctx BlockContext) Judgement {
	s := t.stats
	s.first.Do(func() { s.firstCPU.Store(int64(processCPU())) })
	// The call runs on this goroutine, which the locked thread runs alone:
	// the thread's CPU time across it is the call's.
	runtime.LockOSThread()
	c0, t0 := threadCPU(), time.Now()
	v := t.next.CheckTx(ctx, tx, bctx)
	s.inCalls.Add(int64(time.Since(t0)))
	s.cpuInCalls.Add(int64(threadCPU() - c0))
	runtime.UnlockOSThread()
	switch v.Verdict {
	case pbft.Reject:
		if s.rejects.Add(1) == 1 {
			s.firstReject.Store(&v.Reason)
		}
	case pbft.Abstain:
		s.abstains.Add(1)
	}
	s.calls.Add(1)
	for cpu := int64(processCPU()); ; {
		last := s.lastCPU.Load()
		if cpu <= last || s.lastCPU.CompareAndSwap(last, cpu) {
			break
		}
	}
	return v
}

// threadCPU returns the CPU time the calling thread has used
// (CLOCK_THREAD_CPUTIME_ID, which, unlike getrusage's RUSAGE_THREAD,
// includes the time since the thread was last descheduled).
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}

// processCPU returns the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
