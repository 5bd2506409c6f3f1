package node

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func BenchmarkClusterMem(b *testing.B)  { benchCluster(b, false) }
func BenchmarkClusterQUIC(b *testing.B) { benchCluster(b, true) }

// benchCluster measures committed transactions per second and commit
// latency (submission to execution on the receiving replica) for 4
// replicas with real ML-DSA certificates, Ed25519 transaction signatures
// and fsync, with 64 concurrent submitters spread over the replicas.
func benchCluster(b *testing.B, useQUIC bool) {
	c := newCluster(b, 4, useQUIC, func(cfg *Config) { cfg.RequestTimeout = 1000 })
	const clients = 64
	txs := make([][]byte, b.N)
	for k := range txs {
		txs[k] = encode(b, c.careerTx(b, wallet(b, fmt.Sprintf("bench %d", k)), uint64(k)))
	}
	lat := make([]time.Duration, b.N)
	var next sync.Mutex
	k := 0
	b.ResetTimer()
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
				nd := c.node(w % 4)
				id := sha256.Sum256(txs[i])
				done, cancel := nd.waiters.add(id)
				t0 := time.Now()
				for nd.submit(context.Background(), proposal{raw: txs[i], id: id}) != nil {
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
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
