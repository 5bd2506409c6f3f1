package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// This file is the only one that speaks the replicas' HTTP API; at merge it
// is replaced by the SDK's typed client behind the same Chain interface.

func newHTTPClient(timeout time.Duration) *http.Client { return &http.Client{Timeout: timeout} }

// HTTPChain reads the chain from replicas' JSON APIs, trying them in turn:
// a replica that is down or answers 5xx is skipped, and a "not found" is
// believed only when no other replica has it (a replica may apply a block
// a moment after the others).
type HTTPChain struct {
	mspURL string
	client *http.Client

	mu       sync.Mutex
	replicas []string
	fetched  time.Time
	next     atomic.Uint32
}

var _ Chain = (*HTTPChain)(nil)

// NewHTTPChain returns a Chain over the given replica API URLs, or over
// the replicas an MSP lists (mspURL, re-read every minute) when replicas
// is empty. client nil: a 10 s timeout.
func NewHTTPChain(replicas []string, mspURL string, client *http.Client) (*HTTPChain, error) {
	if len(replicas) == 0 && mspURL == "" {
		return nil, errors.New("portal: give the replicas' API URLs or the MSP's URL")
	}
	if client == nil {
		client = newHTTPClient(10 * time.Second)
	}
	c := &HTTPChain{mspURL: strings.TrimRight(mspURL, "/"), client: client}
	for _, r := range replicas {
		c.replicas = append(c.replicas, strings.TrimRight(r, "/"))
	}
	return c, nil
}

func (c *HTTPChain) endpoints(ctx context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mspURL == "" || (len(c.replicas) > 0 && time.Since(c.fetched) < time.Minute) {
		return c.replicas, nil
	}
	var st struct {
		Members []struct {
			API string `json:"api"`
		} `json:"members"`
	}
	if _, err := c.getJSON(ctx, c.mspURL+"/api/v1/status", &st); err != nil {
		if len(c.replicas) > 0 {
			return c.replicas, nil
		}
		return nil, fmt.Errorf("%w: the membership service at %s: %v", ErrChainDown, c.mspURL, err)
	}
	var urls []string
	for _, m := range st.Members {
		if m.API != "" {
			urls = append(urls, strings.TrimRight(m.API, "/"))
		}
	}
	if len(urls) > 0 {
		c.replicas, c.fetched = urls, time.Now()
	}
	return c.replicas, nil
}

// get fetches path from the replicas and returns the first 200 body.
func (c *HTTPChain) get(ctx context.Context, path string) ([]byte, error) {
	urls, err := c.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("%w: no replica is known", ErrChainDown)
	}
	start := int(c.next.Add(1))
	var notFound, lastErr error
	for i := range urls {
		u := urls[(start+i)%len(urls)]
		body, status, err := c.fetch(ctx, u+path)
		switch {
		case err != nil:
			lastErr = err
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		case status == http.StatusOK:
			return body, nil
		case status == http.StatusNotFound:
			notFound = fmt.Errorf("%w: %s", ErrNotFound, replicaMessage(body))
		case status >= 500:
			lastErr = fmt.Errorf("%s answered %d: %s", u, status, replicaMessage(body))
		default:
			return nil, fmt.Errorf("portal: %s answered %d: %s", u, status, replicaMessage(body))
		}
	}
	if notFound != nil {
		return nil, notFound
	}
	return nil, fmt.Errorf("%w: %v", ErrChainDown, lastErr)
}

func (c *HTTPChain) fetch(ctx context.Context, u string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	return b, resp.StatusCode, err
}

func (c *HTTPChain) getJSON(ctx context.Context, u string, v any) (int, error) {
	b, status, err := c.fetch(ctx, u)
	if err != nil {
		return 0, err
	}
	if status != http.StatusOK {
		return status, fmt.Errorf("%s answered %d", u, status)
	}
	return status, json.Unmarshal(b, v)
}

func replicaMessage(b []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error != "" {
		return e.Error
	}
	return strings.TrimSpace(string(b[:min(len(b), 200)]))
}

// Careers implements Chain.
func (c *HTTPChain) Careers(ctx context.Context, addr string) ([]CareerEntry, error) {
	b, err := c.get(ctx, "/api/v1/address/"+url.PathEscape(addr)+"/careers?limit=200")
	if errors.Is(err, ErrNotFound) {
		return nil, nil // an address with no transactions yet
	}
	if err != nil {
		return nil, err
	}
	var page struct {
		Items []CareerEntry `json:"items"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("portal: a replica's career listing: %w", err)
	}
	return page.Items, nil
}

// Tx implements Chain.
func (c *HTTPChain) Tx(ctx context.Context, txid string) (*TxView, error) {
	b, err := c.get(ctx, "/api/v1/tx/"+url.PathEscape(txid))
	if err != nil {
		return nil, err
	}
	var v TxView
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("portal: a replica's transaction: %w", err)
	}
	return &v, nil
}

// Proof implements Chain.
func (c *HTTPChain) Proof(ctx context.Context, txid string) ([]byte, error) {
	return c.get(ctx, "/api/v1/tx/"+url.PathEscape(txid)+"/proof")
}
