package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
)

// peakHeap is the highest live heap seen after a commit in benchLedger.
var peakHeap uint64

// liveHeap is the heap the last garbage collection found reachable.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// benchLedger builds a ledger of n transactions (1000 per block, spread
// over n/10 addresses) directly through the ledger API. Set
// LEDGER_BENCH_N=1000000 for the million-record figure.
func benchLedger(b *testing.B) (*Ledger, int, int) {
	n := 100_000
	if s := os.Getenv("LEDGER_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	addrs := max(n/10, 1)
	peakHeap = 0
	l, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	l.Init(Meta{ChainID: "bench"}, newCertifier(b).m, nil)
	for h := uint64(1); int(h-1)*1000 < n; h++ {
		err := l.Update(func(tx *Tx) error {
			blk := &pbft.Block{}
			for i := uint32(0); i < 1000 && int(h-1)*1000+int(i) < n; i++ {
				k := int(h-1)*1000 + int(i)
				id := benchID(k)
				blk.Txs = append(blk.Txs, id[:])
				if err := tx.PutTx(id, Loc{Height: h, Index: i}); err != nil {
					return err
				}
				if err := tx.AddAddress(benchAddr(k%addrs), id, h, i, 1); err != nil {
					return err
				}
			}
			return tx.AppendBlock(&BlockRecord{Height: h, Block: blk, Cert: &pbft.Certificate{Seq: h}, Results: make([]Result, len(blk.Txs))})
		})
		if err != nil {
			b.Fatal(err)
		}
		peakHeap = max(peakHeap, liveHeap())
	}
	return l, n, addrs
}

func benchID(k int) [32]byte { return sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(k))) }
func benchAddr(a int) string { return fmt.Sprintf("cc1%048x", a) }

func BenchmarkProof(b *testing.B) {
	l, n, _ := benchLedger(b)
	b.ResetTimer()
	k := 0
	for b.Loop() {
		k = (k + 7919) % n
		l.View(func(tx *Tx) error {
			_, _, _, err := tx.Proof(benchID(k))
			return err
		})
	}
}

// BenchmarkLookupLatency reports the p50 and p99 of look-ups by TxID and
// by address on one ledger, the Go heap the ledger keeps once it is built
// (the ledger itself lives in bbolt's memory map, not on the heap), and
// the highest live heap seen after a commit while it was built. The
// retained figure collects twice: bbolt keeps the buffers of the pages a
// commit wrote in a sync.Pool, which the first collection only moves to
// its victim cache.
func BenchmarkLookupLatency(b *testing.B) {
	l, n, addrs := benchLedger(b)
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ResetTimer()
	byID := make([]time.Duration, 0, b.N)
	byAddr := make([]time.Duration, 0, b.N)
	k, a := 0, 0
	for i := 0; i < b.N; i++ {
		k, a = (k+7919)%n, (a+7919)%addrs
		t0 := time.Now()
		l.View(func(tx *Tx) error {
			if _, ok := tx.TxLoc(benchID(k)); !ok {
				b.Fatal("missing")
			}
			return nil
		})
		t1 := time.Now()
		l.View(func(tx *Tx) error {
			if es, _ := tx.AddressTxs(benchAddr(a), false, 0, 0, 50); len(es) == 0 {
				b.Fatal("empty")
			}
			return nil
		})
		byID, byAddr = append(byID, t1.Sub(t0)), append(byAddr, time.Since(t1))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p int) float64 {
		slices.Sort(d)
		return float64(d[len(d)*p/100].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(byID, 50), "txid-p50-µs")
	b.ReportMetric(pct(byID, 99), "txid-p99-µs")
	b.ReportMetric(pct(byAddr, 50), "addr-p50-µs")
	b.ReportMetric(pct(byAddr, 99), "addr-p99-µs")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-live-MiB")
	b.ReportMetric(float64(n), "records")
}

// BenchmarkIndexWrites commits blocks of 250 transactions with the five
// index writes of a career.register each (transaction, address,
// statement, payment, record), with fsync, on a ledger already holding
// LEDGER_BENCH_N transactions: "direct" merges every commit's writes into
// the buckets at once (the index as it was written before the log),
// "log" is the log-structured index. One op is one block; cpu-µs/tx is
// the process's CPU time per transaction and max-block-ms the slowest
// commit (a merge, for "log").
func BenchmarkIndexWrites(b *testing.B) {
	for _, mode := range []struct {
		name           string
		layers, merges int
	}{{"direct", 1, 0}, {"log", 0, 0}, {"log-32k", 0, 1 << 15}} {
		b.Run(mode.name, func(b *testing.B) {
			l, n, addrs := benchLedger(b)
			path := l.Path()
			l.Close()
			l, err := Open(path, Options{mergeLayers: mode.layers, mergeEntries: mode.merges})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { l.Close() })
			const perBlock = 250
			k := n
			var slowest time.Duration
			var peak uint64
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				t0 := time.Now()
				err := l.Update(func(tx *Tx) error {
					for i := range uint32(perBlock) {
						id, other := benchID(k), benchID(-k)
						err := errors.Join(
							tx.PutTx(id, Loc{Height: uint64(k), Index: i}),
							tx.AddAddress(benchAddr(k%addrs), id, uint64(k), i, 1),
							tx.PutStatement(other, id),
							tx.PutPayment("kakaopay", strconv.Itoa(k), id),
							tx.PutRecord(id, &Record{Status: Active, Holder: benchAddr(k % addrs)}))
						if err != nil {
							return err
						}
						k++
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				slowest = max(slowest, time.Since(t0))
				peak = max(peak, liveHeap())
			}
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N*perBlock), "cpu-µs/tx")
			b.ReportMetric(float64(slowest.Microseconds())/1e3, "max-block-ms")
			b.ReportMetric(float64(l.ix.merges.Load()), "merges")
			b.ReportMetric(float64(peak)/(1<<20), "peak-live-MiB")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
