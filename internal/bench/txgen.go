package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Keys are the testnet role keys a benchmark transaction needs: the
// attester that attests it and the payment issuer that signs its receipt.
type Keys struct {
	ChainID           string
	Attester, Payment chain.Wallet
}

// LoadKeys reads keys/attester.key and keys/payment.key (hex Ed25519
// seeds, as node.GenerateTestnet writes them) from a testnet directory.
func LoadKeys(dir, chainID string) (Keys, error) {
	k := Keys{ChainID: chainID}
	for _, r := range []struct {
		name string
		w    *chain.Wallet
	}{{"attester", &k.Attester}, {"payment", &k.Payment}} {
		p := filepath.Join(dir, "keys", r.name+".key")
		b, err := os.ReadFile(p)
		if err != nil {
			return Keys{}, fmt.Errorf("the %s key: %w (is %s a testnet directory written by careerd init?)", r.name, err, dir)
		}
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil {
			return Keys{}, fmt.Errorf("%s is not a hex seed: %w", p, err)
		}
		if *r.w, err = chain.WalletFromSeed(seed); err != nil {
			return Keys{}, fmt.Errorf("%s: %w", p, err)
		}
	}
	return k, nil
}

// Fee and Currency are what the receipts pay: the testnet payment
// plugins' default fee, so the transactions pass with plugins on.
const (
	Fee      = 10000
	Currency = "KRW"
)

// CareerTx returns the canonical bytes of one career.register transaction
// of a holder derived from label: the holder's signed statement, a receipt
// signed by the payment issuer and the attester's attestation — three
// Ed25519 signatures, about 1.3 KB.
func (k Keys) CareerTx(label string) ([]byte, error) {
	seed := sha256.Sum256([]byte("careerchain bench holder " + label))
	holder, err := chain.WalletFromSeed(seed[:])
	if err != nil {
		return nil, err
	}
	evidence := sha256.Sum256([]byte("reference letter of " + label))
	s := chain.NewStatement(holder, k.ChainID, 0, chain.Claim{
		Role:         "Senior Software Engineer",
		Organisation: "Acme Logistics Korea",
		Start:        "2019-03-01",
		End:          "2024-06-30",
		Description:  "Designed and ran the parcel routing service: Go microservices, PostgreSQL, Kafka; led a team of five and cut the delivery estimate error by a third.",
		Skills:       []string{"Go", "PostgreSQL", "Kafka", "Kubernetes", "Team leadership"},
		Evidence:     []string{"sha256:" + hex.EncodeToString(evidence[:])},
	})
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		return nil, err
	}
	r, err := chain.SignReceipt(k.Payment.PrivateKey(), chain.NewReceipt("sandbox", "pay_bench_"+label, Fee, Currency, s.Digest()))
	if err != nil {
		return nil, err
	}
	a, err := chain.Attest(k.Attester.PrivateKey(), s, r, 1700000000)
	if err != nil {
		return nil, err
	}
	return chain.EncodeTx(chain.NewCareerTx(s, sig, r, a))
}

// MakeTxs makes n transactions of distinct holders (labels prefix-0 …
// prefix-(n-1)) on all cores.
func (k Keys) MakeTxs(ctx context.Context, prefix string, n int) ([][]byte, error) {
	txs := make([][]byte, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				b, err := k.CareerTx(fmt.Sprintf("%s-%d", prefix, i))
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					continue
				}
				txs[i] = b
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return txs, ctx.Err()
}
