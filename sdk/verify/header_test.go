package verify_test

import (
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// TestBlockDigestMatchesPBFT: the digest recomputed from a header equals
// pbft.Block.Digest for real blocks of every shape.
func TestBlockDigestMatchesPBFT(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	txs := func(k int) [][]byte {
		var out [][]byte
		for range k {
			out = append(out, must(chain.EncodeTx(n.career(careerOpts{}))))
		}
		return out
	}
	tests := []struct {
		name   string
		height uint64
		block  *pbft.Block
	}{
		{"null block", 5, &pbft.Block{View: 3, Proposer: 4}},
		{"one transaction", 1, &pbft.Block{Proposer: 1, Time: 1_700_000_000_000, Txs: txs(1)}},
		{"three transactions", 2, &pbft.Block{View: 1, Proposer: 2, Time: 1_700_000_001_000, Txs: txs(3)}},
		{"seven transactions", 1 << 40, &pbft.Block{View: 1 << 33, Proposer: 3, Time: 1_700_000_002_000, Txs: txs(7)}},
		{"reconfiguration", 9, &pbft.Block{Proposer: 1, Time: 1_700_000_003_000, Config: n.membership(1, 1, 2, 3, 4, 5), Txs: txs(1)}},
		{"negative time", 3, &pbft.Block{Proposer: 1, Time: -1, Txs: txs(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.block.Digest(tt.height)
			if got := verify.BlockDigest(tt.height, tt.block.View, tt.block.Proposer, tt.block.Time, tt.block.Config, len(tt.block.Txs), tt.block.TxRoot()); got != want {
				t.Fatalf("BlockDigest = %s, pbft says %s", got, want)
			}
			h := verify.HeaderOf(tt.height, tt.block)
			if got, err := h.Digest(); err != nil || got != want {
				t.Fatalf("Header.Digest = %s, %v; pbft says %s", got, err, want)
			}
			if tt.block.Config != nil {
				h.Config.Members[0].Addr = "elsewhere:1"
				if got, _ := h.Digest(); got == want {
					t.Fatal("a changed reconfiguration membership keeps the digest")
				}
			}
		})
	}
}
