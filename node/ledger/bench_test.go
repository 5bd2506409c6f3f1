package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
)

// benchLedger builds a ledger of n transactions (1000 per block, spread
// over n/10 addresses) directly through the ledger API. Set
// LEDGER_BENCH_N=1000000 for the million-record figure.
func benchLedger(b *testing.B) (*Ledger, int, int) {
	n := 100_000
	if s := os.Getenv("LEDGER_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	addrs := max(n/10, 1)
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
// by address on one ledger, and the Go heap in use once it is built (the
// ledger itself lives in bbolt's memory map, not on the heap).
func BenchmarkLookupLatency(b *testing.B) {
	l, n, addrs := benchLedger(b)
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
	b.ReportMetric(float64(n), "records")
}
