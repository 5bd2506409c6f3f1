package statesync

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
)

// Block is a committed block a peer served, not yet verified.
type Block struct {
	Seq   uint64
	Block *pbft.Block
	Cert  *pbft.Certificate
	Peer  string // the API base URL that served it
}

// Fetch asks the peers at urls (API base URLs) for the blocks from..to in
// order and hands each to deliver, which reports false to stop (its
// context ended). It tries the peers in turn, pausing after each round of
// failures, and gives up on a block after five rounds without it: the core
// asks again at its next stable checkpoint.
func Fetch(ctx context.Context, hc *http.Client, log *slog.Logger, from, to uint64, urls []string, deliver func(Block) bool) {
	if len(urls) == 0 {
		return
	}
	next := 0
	for h := from; h <= to; h++ {
		var fb *Block
		for attempt := 0; fb == nil; attempt++ {
			if attempt >= 5*len(urls) {
				log.Warn("state transfer: no peer served the block", "seq", h)
				return
			}
			url := urls[next%len(urls)]
			b, err := fetchBlock(ctx, hc, url, h)
			if err != nil {
				next++
				if ctx.Err() != nil {
					return
				}
				log.Debug("state transfer: fetch failed", "seq", h, "peer", url, "err", err)
				if attempt%len(urls) == len(urls)-1 {
					select {
					case <-ctx.Done():
						return
					case <-time.After(200 * time.Millisecond):
					}
				}
				continue
			}
			fb = b
		}
		if !deliver(*fb) {
			return
		}
	}
}

// peerClient returns an API client of the peer at base over the replica's
// HTTP client. The caller's context bounds each call; the loops that use
// it retry on their own schedule, so the client does not.
func peerClient(hc *http.Client, base string) (*client.Client, error) {
	return client.New(base, client.Options{HTTPClient: hc, Timeout: -1, Retries: -1})
}

// fetchBlock asks a peer's API for the block at height h (raw form).
func fetchBlock(ctx context.Context, c *http.Client, base string, h uint64) (*Block, error) {
	pc, err := peerClient(c, base)
	if err != nil {
		return nil, err
	}
	rb, err := pc.RawBlock(ctx, h)
	if err != nil {
		return nil, err
	}
	b, err := pbft.DecodeBlock(rb.Block)
	if err != nil {
		return nil, fmt.Errorf("%s: block %d: %w", base, h, err)
	}
	cert, err := pbft.DecodeCertificate(rb.Certificate)
	if err != nil {
		return nil, fmt.Errorf("%s: block %d: %w", base, h, err)
	}
	return &Block{Seq: h, Block: b, Cert: cert, Peer: base}, nil
}
