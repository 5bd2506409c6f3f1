package chaos

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// Ledger is what the campaign knows the chain must hold: the transactions
// a replica acknowledged as committed.
type Ledger struct {
	c     *Cluster
	trust verify.Trust

	mu    sync.Mutex
	nonce uint64
	acked []string // TxIDs answered "accepted"
}

// NewLedger reads the cluster's genesis as the trust anchor.
func NewLedger(c *Cluster) (*Ledger, error) {
	g, err := os.ReadFile(c.tn.GenesisPath)
	if err != nil {
		return nil, err
	}
	t, err := verify.TrustFromGenesisJSON(g)
	if err != nil {
		return nil, err
	}
	return &Ledger{c: c, trust: t}, nil
}

// Acked is how many transactions were acknowledged.
func (l *Ledger) Acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// newTx is a career.register transaction of a fresh holder, signed,
// paid and attested with the testnet's keys.
func (l *Ledger) newTx() ([]byte, error) {
	l.mu.Lock()
	l.nonce++
	k := l.nonce
	l.mu.Unlock()
	tn := l.c.tn
	holder, err := chain.WalletFromSeed(seed(fmt.Sprintf("chaos holder %d %d", os.Getpid(), k)))
	if err != nil {
		return nil, err
	}
	s := chain.NewStatement(holder, tn.Genesis.ChainID, k, chain.Claim{Role: "Site reliability engineer", Organisation: "Acme",
		Start: "2021-01-01", Skills: []string{"Go", "pBFT"}})
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		return nil, err
	}
	r, err := chain.SignReceipt(tn.Payment.PrivateKey(), chain.NewReceipt("sandbox", fmt.Sprintf("pay_chaos_%d_%d", os.Getpid(), k), 10000, "KRW", s.Digest()))
	if err != nil {
		return nil, err
	}
	a, err := chain.Attest(tn.Attester.PrivateKey(), s, r, time.Now().Unix())
	if err != nil {
		return nil, err
	}
	return chain.EncodeTx(chain.NewCareerTx(s, sig, r, a))
}

// Submit sends one new transaction to replica i and waits for its commit;
// an accepted answer is recorded as acknowledged.
func (l *Ledger) Submit(ctx context.Context, i int) (string, error) {
	raw, err := l.newTx()
	if err != nil {
		return "", err
	}
	res, err := l.c.Client(i, 15*time.Second).SubmitAndWait(ctx, raw)
	if err != nil {
		return "", err
	}
	if res.Status != client.TxAccepted {
		return "", fmt.Errorf("replica %d: transaction %s %s: %s", i+1, res.TxID, res.Status, res.Reason)
	}
	l.mu.Lock()
	l.acked = append(l.acked, res.TxID)
	l.mu.Unlock()
	return res.TxID, nil
}

// Probe submits through the replicas in up, one after another, until a
// transaction commits or within expires, and returns how long it took.
func (l *Ledger) Probe(ctx context.Context, up []int, within time.Duration) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last error
	for k := 0; ; k++ {
		if _, err := l.Submit(ctx, up[k%len(up)]); err == nil {
			return time.Since(start), nil
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("liveness: no probe transaction committed within %v: %v", within, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Check verifies agreement, durability and validity across the replicas
// in correct, waiting up to within for them to reach the same height.
func (l *Ledger) Check(ctx context.Context, correct []int, within time.Duration) (height uint64, err error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	// Wait for one height at all.
	var heights []uint64
	for {
		heights = heights[:0]
		for _, i := range correct {
			st, err := l.c.Client(i, 2*time.Second).Status(ctx)
			if err != nil {
				heights = append(heights, 0)
				continue
			}
			heights = append(heights, st.Height)
		}
		if slices.Min(heights) == slices.Max(heights) && heights[0] > 0 {
			break
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("catch-up: replicas %v at heights %v after %v", plus1(correct), heights, within)
		case <-time.After(100 * time.Millisecond):
		}
	}
	height = heights[0]
	// Agreement: the same digest at every height.
	for h := uint64(1); h <= height; h++ {
		var first string
		for k, i := range correct {
			b, err := l.c.Client(i, 5*time.Second).Block(ctx, h)
			if err != nil {
				return height, fmt.Errorf("agreement: replica %d block %d: %w", i+1, h, err)
			}
			if k == 0 {
				first = b.Header.Digest
			} else if b.Header.Digest != first {
				return height, fmt.Errorf("agreement broken at height %d: replica %d has %s, replica %d has %s", h, correct[0]+1, first, i+1, b.Header.Digest)
			}
		}
	}
	// Durability: every acknowledged transaction everywhere; validity: its
	// proof bundle verifies against the genesis.
	l.mu.Lock()
	acked := slices.Clone(l.acked)
	l.mu.Unlock()
	for k, id := range acked {
		for _, i := range correct {
			v, err := l.c.Client(i, 5*time.Second).Tx(ctx, id)
			if err != nil {
				return height, fmt.Errorf("durability: acknowledged transaction %s on replica %d: %w", id, i+1, err)
			}
			if v.Result != client.TxAccepted {
				return height, fmt.Errorf("durability: acknowledged transaction %s is %q on replica %d", id, v.Result, i+1)
			}
		}
		i := correct[k%len(correct)]
		b, err := l.c.Client(i, 5*time.Second).Proof(ctx, id)
		if err != nil {
			return height, fmt.Errorf("validity: proof of %s from replica %d: %w", id, i+1, err)
		}
		if s, failed := verify.Verify(b, l.trust).Failed(); failed {
			return height, fmt.Errorf("validity: proof of %s from replica %d fails at %q: %s", id, i+1, s.Name, s.Text)
		}
	}
	return height, nil
}

func plus1(ids []int) []int {
	out := make([]int, len(ids))
	for k, i := range ids {
		out[k] = i + 1
	}
	return out
}

func seed(label string) []byte {
	s := sha256.Sum256([]byte("careerchain chaos " + label))
	return s[:]
}
