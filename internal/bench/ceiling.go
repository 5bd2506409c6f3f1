package bench

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Ceiling is the rate at which this machine can do the per-transaction
// work no replica can avoid — decoding and the stateless checks (three
// Ed25519 verifications and the canonical encodings they sign) — once per
// replica, on all cores: the same work as the in-process cluster
// benchmark's ceiling (node/bench_test.go, checkCeiling).
type Ceiling struct {
	TxPerSec  float64 `json:"tx_per_s"`
	CPUPerTx  float64 `json:"cpu_us_per_tx"` // CPU µs for all replicas' checks of one tx
	Replicas  int     `json:"replicas"`
	SampleTxs int     `json:"sample_txs"`
}

// MeasureCeiling checks every transaction of txs replicas times, spread
// over GOMAXPROCS goroutines, and returns the rate and the CPU it took.
func MeasureCeiling(txs [][]byte, params chain.Params, replicas int) (Ceiling, error) {
	work := make(chan []byte, replicas*len(txs))
	for range replicas {
		for _, raw := range txs {
			work <- raw
		}
	}
	close(work)
	var mu sync.Mutex
	var bad error
	t0, cpu0 := time.Now(), SelfCPU()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for raw := range work {
				tx, err := chain.DecodeTx(raw, params.MaxTxBytes)
				if err == nil {
					err = tx.CheckStateless(params)
				}
				if err != nil {
					mu.Lock()
					bad = err
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	el, cpu := time.Since(t0), SelfCPU()-cpu0
	if bad != nil {
		return Ceiling{}, fmt.Errorf("a benchmark transaction fails its stateless checks: %w", bad)
	}
	return Ceiling{
		TxPerSec:  float64(len(txs)) / el.Seconds(),
		CPUPerTx:  float64(cpu.Microseconds()) / float64(len(txs)),
		Replicas:  replicas,
		SampleTxs: len(txs),
	}, nil
}
