package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// TestMiddlewareRetriesAcrossLeaderChange drives the submission pipeline
// against real replicas: the leader stops while transactions flow; the
// pipeline asks again, resends the same bytes, and every transaction is
// committed exactly once.
func TestMiddlewareRetriesAcrossLeaderChange(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	var urls []string
	for i := range 4 {
		urls = append(urls, "http://"+c.apiAddr[i])
	}
	p, err := middleware.New(middleware.Options{ChainID: testChainID, Leaders: middleware.Replicas{URLs: urls},
		Attempts: 20, Backoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ids := map[string]bool{}
	for k := range 6 {
		if k == 3 {
			c.stop(int(c.node(0).Status().Leader - 1))
		}
		tx := c.careerTx(t, wallet(t, fmt.Sprintf("mw holder %d", k)), uint64(k))
		res, err := p.Submit(ctx, tx)
		if err != nil {
			t.Fatalf("submit %d: %v", k, err)
		}
		if res.Status != "accepted" {
			t.Fatalf("submit %d: %+v", k, res)
		}
		ids[res.TxID] = true
		// Submitting the same transaction again is answered with its commit,
		// never a second copy.
		again, err := p.Submit(ctx, tx)
		if err != nil || again.TxID != res.TxID || again.Height != res.Height {
			t.Fatalf("resubmit %d: %+v %v (first at height %d)", k, again, err, res.Height)
		}
	}
	// No transaction appears twice on chain.
	live := 1
	if c.node(1) == nil {
		live = 2
	}
	nd := c.node(live)
	seen := map[string]int{}
	for h := uint64(1); h <= nd.Status().Height; h++ {
		var b client.BlockView
		if code := get(t, c.url(live, fmt.Sprintf("/api/v1/blocks/%d", h)), &b); code != 200 {
			t.Fatalf("block %d: status %d", h, code)
		}
		for _, raw := range b.Txs {
			var tx chain.Tx
			if err := json.Unmarshal(raw, &tx); err != nil {
				t.Fatal(err)
			}
			seen[chain.TxID(&tx)]++
		}
	}
	for id := range ids {
		if seen[id] != 1 {
			t.Fatalf("transaction %s is on chain %d times", id, seen[id])
		}
	}
}

func TestMiddlewareFailsFastOnRejection(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	p, _ := middleware.New(middleware.Options{ChainID: testChainID, Leaders: middleware.Replicas{URLs: []string{"http://" + c.apiAddr[0]}}})
	tx := c.careerTx(t, wallet(t, "mw bad"), 1)
	tx.Career.HolderSig = tx.Career.Attestation.Sig // a signature by someone else
	_, err := p.Submit(context.Background(), tx)
	if !errors.Is(err, middleware.ErrRejected) {
		t.Fatalf("forged holder signature: %v", err)
	}
}
