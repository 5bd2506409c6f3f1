package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// This file is the only one that speaks to the chain, through sdk/client.

// HTTPChain reads the chain from replicas' JSON APIs, trying them in turn:
// a replica that is down or answers 5xx is skipped, and a "not found" is
// believed only when no other replica has it (a replica may apply a block
// a moment after the others).
type HTTPChain struct {
	mspURL string
	opts   client.Options

	mu       sync.Mutex
	replicas []string
	fetched  time.Time
	clients  map[string]*client.Client
	next     atomic.Uint32
}

var _ Chain = (*HTTPChain)(nil)

// NewHTTPChain returns a Chain over the given replica API URLs, or over
// the replicas an MSP lists (mspURL, re-read every minute) when replicas
// is empty. hc nil: a 10 s timeout per attempt.
func NewHTTPChain(replicas []string, mspURL string, hc *http.Client) (*HTTPChain, error) {
	if len(replicas) == 0 && mspURL == "" {
		return nil, errors.New("portal: give the replicas' API URLs or the MSP's URL")
	}
	// One attempt per replica: the failover below is the retry.
	c := &HTTPChain{mspURL: strings.TrimRight(mspURL, "/"), opts: client.Options{HTTPClient: hc, Timeout: 10 * time.Second, Retries: -1},
		clients: make(map[string]*client.Client)}
	for _, r := range replicas {
		c.replicas = append(c.replicas, strings.TrimRight(r, "/"))
	}
	return c, nil
}

// clientOf returns the client of one API base URL.
func (c *HTTPChain) clientOf(base string) (*client.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[base]; ok {
		return cl, nil
	}
	cl, err := client.New(base, c.opts)
	if err != nil {
		return nil, err
	}
	c.clients[base] = cl
	return cl, nil
}

func (c *HTTPChain) endpoints(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	cached := c.replicas
	fresh := c.mspURL == "" || (len(cached) > 0 && time.Since(c.fetched) < time.Minute)
	c.mu.Unlock()
	if fresh {
		return cached, nil
	}
	msp, err := c.clientOf(c.mspURL)
	if err != nil {
		return nil, err
	}
	st, err := msp.MSPStatus(ctx)
	if err != nil {
		if len(cached) > 0 {
			return cached, nil
		}
		return nil, fmt.Errorf("%w: the membership service at %s: %v", ErrChainDown, c.mspURL, err)
	}
	var urls []string
	for _, m := range st.Members {
		if m.API != "" {
			urls = append(urls, strings.TrimRight(m.API, "/"))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(urls) > 0 {
		c.replicas, c.fetched = urls, time.Now()
	}
	return c.replicas, nil
}

// each calls fn on the replicas in turn until one answers; see HTTPChain.
func (c *HTTPChain) each(ctx context.Context, fn func(*client.Client) error) error {
	urls, err := c.endpoints(ctx)
	if err != nil {
		return err
	}
	if len(urls) == 0 {
		return fmt.Errorf("%w: no replica is known", ErrChainDown)
	}
	start := int(c.next.Add(1))
	var notFound, lastErr error
	for i := range urls {
		cl, err := c.clientOf(urls[(start+i)%len(urls)])
		if err != nil {
			return err
		}
		err = fn(cl)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, client.ErrNotFound):
			notFound = fmt.Errorf("%w: %v", ErrNotFound, err)
		case errors.Is(err, client.ErrUnreachable), errors.Is(err, client.ErrInternal), errors.Is(err, client.ErrBusy),
			errors.Is(err, client.ErrTimeout), errors.Is(err, client.ErrBadResponse):
			lastErr = err
		default:
			return fmt.Errorf("portal: %w", err)
		}
	}
	if notFound != nil {
		return notFound
	}
	return fmt.Errorf("%w: %v", ErrChainDown, lastErr)
}

// Careers implements Chain.
func (c *HTTPChain) Careers(ctx context.Context, addr string) ([]CareerEntry, error) {
	var page *client.CareerPage
	err := c.each(ctx, func(cl *client.Client) (err error) {
		page, err = cl.Careers(ctx, addr, client.PageOptions{Limit: 200})
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, nil // an address with no transactions yet
	}
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}

// Tx implements Chain.
func (c *HTTPChain) Tx(ctx context.Context, txid string) (*TxView, error) {
	var v *client.TxView
	if err := c.each(ctx, func(cl *client.Client) (err error) {
		v, err = cl.Tx(ctx, txid)
		return err
	}); err != nil {
		return nil, err
	}
	out := &TxView{TxID: v.TxID, Result: v.Result, Reason: v.Reason, Height: v.Height, Index: v.Index, Block: v.Block, Record: v.Record}
	if len(v.Tx) > 0 {
		var tx chain.Tx
		if json.Unmarshal(v.Tx, &tx) == nil {
			out.Tx = &tx
		}
	}
	return out, nil
}

// Proof implements Chain: the bundle as JSON, for download.
func (c *HTTPChain) Proof(ctx context.Context, txid string) ([]byte, error) {
	var b []byte
	err := c.each(ctx, func(cl *client.Client) error {
		bundle, err := cl.Proof(ctx, txid)
		if err != nil {
			return err
		}
		b, err = json.MarshalIndent(bundle, "", "  ")
		return err
	})
	return b, err
}
