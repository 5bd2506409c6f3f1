package statesync

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
)

// peer serves GET /api/v1/status with height and GET /api/v1/blocks/N?raw=1
// for every N up to height (or nothing, if broken).
func peer(t *testing.T, height uint64, broken bool) (string, *atomic.Int64) {
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case broken:
			http.Error(w, `{"error":{"code":"internal","message":"down"}}`, http.StatusInternalServerError)
		case r.URL.Path == "/api/v1/status":
			_ = json.NewEncoder(w).Encode(client.Status{ID: 9, Height: height})
		case strings.HasPrefix(r.URL.Path, "/api/v1/blocks/"):
			var h uint64
			if _, err := fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/api/v1/blocks/"), &h); err != nil || h > height {
				http.Error(w, `{"error":{"code":"not_found","message":"no such block"}}`, http.StatusNotFound)
				return
			}
			b := &pbft.Block{View: 0, Proposer: 1, Time: int64(h), Txs: [][]byte{[]byte(fmt.Sprint("tx ", h))}}
			cert := &pbft.Certificate{Epoch: 1, Seq: h, Digest: b.Digest(h)}
			_ = json.NewEncoder(w).Encode(client.RawBlock{Height: h, Block: pbft.EncodeBlock(b), Certificate: pbft.EncodeCertificate(cert)})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &asked
}

// TestChainHeightIgnoresWhatOnlyFaultyMembersClaim: with six other
// members (f = 2), a height that two liars claim is not chased; the
// (f+1)-th highest answer is, and silent members count as height 0.
func TestChainHeightIgnoresWhatOnlyFaultyMembersClaim(t *testing.T) {
	liar1, _ := peer(t, 1_000_000, false)
	liar2, _ := peer(t, 999_999, false)
	honest1, _ := peer(t, 40, false)
	honest2, _ := peer(t, 42, false)
	honest3, _ := peer(t, 41, false)
	down, _ := peer(t, 0, true)
	c := CatchUp{HTTPClient: http.DefaultClient, Every: 50 * time.Millisecond} // the timeout is 20 polls
	if h := c.chainHeight(context.Background(), []string{liar1, liar2, honest1, honest2, honest3, down}); h != 42 {
		t.Fatalf("chain height %d, want 42 (the third highest answer)", h)
	}
	// Two liars and four silent members: nothing to chase.
	if h := c.chainHeight(context.Background(), []string{liar1, liar2, down, down, down, down}); h != 0 {
		t.Fatalf("chain height %d from two liars among six, want 0", h)
	}
}

// TestFetchInOrderAcrossPeers: blocks arrive in order, each from some
// peer, though one peer is down; a block nobody serves ends the fetch.
func TestFetchInOrderAcrossPeers(t *testing.T) {
	good, _ := peer(t, 5, false)
	down, downAsked := peer(t, 0, true)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var got []uint64
	Fetch(context.Background(), http.DefaultClient, log, 2, 5, []string{down, good}, func(b Block) bool {
		if b.Block == nil || b.Cert == nil || b.Cert.Digest != b.Block.Digest(b.Seq) || b.Peer != good {
			t.Fatalf("block %d: %+v", b.Seq, b)
		}
		got = append(got, b.Seq)
		return true
	})
	if fmt.Sprint(got) != "[2 3 4 5]" {
		t.Fatalf("fetched %v, want [2 3 4 5]", got)
	}
	if downAsked.Load() == 0 {
		t.Fatal("the peer that is down was never tried")
	}
	got = nil
	Fetch(context.Background(), http.DefaultClient, log, 5, 7, []string{good}, func(b Block) bool {
		got = append(got, b.Seq)
		return true
	})
	if fmt.Sprint(got) != "[5]" {
		t.Fatalf("fetched %v past what the peer has, want [5]", got)
	}
	// deliver stops it.
	got = nil
	Fetch(context.Background(), http.DefaultClient, log, 1, 5, []string{good}, func(b Block) bool {
		got = append(got, b.Seq)
		return len(got) < 2
	})
	if len(got) != 2 {
		t.Fatalf("fetched %v after deliver said stop at the second", got)
	}
}
