package client

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/careerchain/careerchain/sdk/verify"
)

// Response bounds.
const (
	// DefaultMaxResponseBytes bounds an answer unless Options says otherwise.
	DefaultMaxResponseBytes = 8 << 20
	// MaxRawBlockBytes bounds a raw block (state transfer), which may hold
	// a full block of transactions.
	MaxRawBlockBytes = 96 << 20
	// maxRedirects bounds the 307 hops of one submission.
	maxRedirects = 3
)

// Options configures a Client. Zero fields take the defaults of
// withDefaults.
type Options struct {
	// HTTPClient sends the requests (default: a new http.Client). Its
	// redirect policy is replaced: the Client follows a submission's 307
	// itself and nothing else.
	HTTPClient *http.Client
	// Timeout bounds one attempt, from sending to the last byte of the
	// answer (default 60 s, which covers a replica's wait for a commit).
	// Negative: only the context bounds it.
	Timeout time.Duration
	// Retries is how many more times a GET is sent after an unreachable
	// server, a 503 or a 504 (default 2). Negative: none.
	Retries int
	// Backoff is the first pause between attempts, doubled each time
	// (default 100 ms).
	Backoff time.Duration
	// MaxResponseBytes bounds an answer (default DefaultMaxResponseBytes).
	MaxResponseBytes int64
	// Logger receives a debug line per retry (default: discarded).
	Logger *slog.Logger
	// Now is the clock that dates admin signatures (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	o.Timeout = cmp.Or(o.Timeout, 60*time.Second)
	o.Retries = cmp.Or(o.Retries, 2)
	o.Backoff = cmp.Or(o.Backoff, 100*time.Millisecond)
	o.MaxResponseBytes = cmp.Or(o.MaxResponseBytes, DefaultMaxResponseBytes)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Client calls one replica's or the MSP's /api/v1. It is safe for
// concurrent use; it holds no connection of its own (HTTPClient does).
type Client struct {
	base string
	o    Options
	hc   http.Client // o.HTTPClient with redirects not followed
}

// New returns a client of the API at base, e.g. "http://127.0.0.1:8401".
// A base that is not an http(s) URL is ErrInvalid.
func New(base string, o Options) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: API base %q is not an http(s) URL like http://127.0.0.1:8401", ErrInvalid, clip(base))
	}
	c := &Client{base: strings.TrimRight(base, "/"), o: o.withDefaults()}
	c.hc = *c.o.HTTPClient
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// Base returns the API base URL the client calls.
func (c *Client) Base() string { return c.base }

// request is one call.
type request struct {
	method, url string
	body        []byte
	sign        func(*http.Request, []byte) // sets authentication headers
	limit       int64
	ok          int // the status of success; 0: any 2xx
}

// answer is what came back.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, rq request) (*answer, error) {
	if c.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.o.Timeout)
		defer cancel()
	}
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, rq.url, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	req.Header.Set("Accept", "application/json")
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if rq.sign != nil {
		rq.sign(req, rq.body)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, rq.method, rq.url, err)
	}
	defer resp.Body.Close()
	limit := cmp.Or(rq.limit, c.o.MaxResponseBytes)
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: reading the answer: %w", ErrUnreachable, rq.method, rq.url, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s %s: the answer exceeds %d bytes", ErrBadResponse, rq.method, rq.url, limit)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: b}
	if (rq.ok == 0 && a.status/100 == 2) || a.status == rq.ok {
		return a, nil
	}
	return a, refusal(rq, a)
}

// refusal turns a non-success answer into an *Error.
func refusal(rq request, a *answer) error {
	e := &Error{Method: rq.method, URL: rq.url, Status: a.status}
	var eb ErrorBody
	if json.Unmarshal(a.body, &eb) == nil && eb.Code != "" {
		e.Code, e.Message, e.Leader = eb.Code, eb.Error, eb.Leader
	} else {
		e.Message = clip(strings.TrimSpace(string(a.body)))
		if e.Message == "" {
			e.Message = http.StatusText(a.status)
		}
	}
	return e
}

// do sends rq, retrying a GET as Options says, and decodes a success
// into out (nil: ignored).
func (c *Client) do(ctx context.Context, rq request, out any) (*answer, error) {
	attempts := 1
	if rq.method == http.MethodGet && c.o.Retries > 0 {
		attempts += c.o.Retries
	}
	pause := c.o.Backoff
	var a *answer
	var err error
	for i := range attempts {
		if i > 0 {
			c.o.Logger.Debug("client: retrying", "method", rq.method, "url", rq.url, "attempt", i+1, "err", err)
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w: %s %s: %w (after %w)", ErrUnreachable, rq.method, rq.url, ctx.Err(), err)
			case <-t.C:
			}
			pause *= 2
		}
		if a, err = c.send(ctx, rq); err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return a, err
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			return a, fmt.Errorf("%w: %s %s: %w", ErrBadResponse, rq.method, rq.url, err)
		}
	}
	return a, nil
}

func (c *Client) get(ctx context.Context, path string, out any) error {
	_, err := c.do(ctx, request{method: http.MethodGet, url: c.base + path}, out)
	return err
}

// Health reads GET /healthz: nil if the server is up and ready.
func (c *Client) Health(ctx context.Context) error {
	var h Health
	return c.get(ctx, "/healthz", &h)
}

// Status reads a replica's GET /api/v1/status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.get(ctx, "/api/v1/status", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Submit posts a transaction (its canonical bytes, chain.EncodeTx) and
// returns once a replica accepted it for ordering: Status "pending".
// It is not retried; a resubmission of the same bytes is refused as a
// replay (CodeReplay) once the first is on chain.
func (c *Client) Submit(ctx context.Context, tx []byte) (*SubmitResult, error) {
	var r SubmitResult
	if _, err := c.do(ctx, request{method: http.MethodPost, url: c.base + "/api/v1/tx", body: tx, ok: http.StatusAccepted}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// SubmitAndWait posts a transaction with ?wait=1 and returns its commit:
// Status "accepted" or "rejected" (by execution, with Reason). A follower
// answers a membership change with 307 to the leader, which is followed
// (at most 3 hops). A 504 (ErrTimeout) means the wait ended, not the
// transaction: look it up with Tx.
func (c *Client) SubmitAndWait(ctx context.Context, tx []byte) (*SubmitResult, error) {
	u := c.base + "/api/v1/tx?wait=1"
	for range maxRedirects + 1 {
		var r SubmitResult
		rq := request{method: http.MethodPost, url: u, body: tx, ok: http.StatusOK}
		a, err := c.do(ctx, rq, &r)
		if err == nil {
			return &r, nil
		}
		loc := ""
		if a != nil && a.status == http.StatusTemporaryRedirect {
			loc = a.header.Get("Location")
		}
		if loc == "" {
			return nil, err
		}
		next, perr := url.Parse(loc)
		if perr != nil {
			return nil, fmt.Errorf("%w: %s redirected to %q", ErrBadResponse, u, clip(loc))
		}
		next = mustParse(u).ResolveReference(next)
		q := next.Query()
		q.Set("wait", "1")
		next.RawQuery = q.Encode()
		u = next.String()
	}
	return nil, fmt.Errorf("%w: more than %d redirects from %s", ErrBadResponse, maxRedirects, c.base)
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic("client: a URL built from a parsed base does not parse: " + err.Error())
	}
	return u
}

// Tx reads GET /api/v1/tx/{txid}: the transaction, its result, block
// header, Merkle path, certificate and record state.
func (c *Client) Tx(ctx context.Context, txid string) (*TxView, error) {
	var v TxView
	if err := c.get(ctx, "/api/v1/tx/"+url.PathEscape(txid), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Proof reads GET /api/v1/tx/{txid}/proof: the proof bundle of a career
// record, decoded strictly (verify.DecodeBundle). Verify it with
// verify.Verify against a Trust you hold; the client trusts nothing in it.
func (c *Client) Proof(ctx context.Context, txid string) (*verify.Bundle, error) {
	rq := request{method: http.MethodGet, url: c.base + "/api/v1/tx/" + url.PathEscape(txid) + "/proof", limit: verify.MaxBundleBytes}
	a, err := c.do(ctx, rq, nil)
	if err != nil {
		return nil, err
	}
	b, err := verify.DecodeBundle(a.body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadResponse, rq.url, err)
	}
	return b, nil
}

// PageOptions selects a page of an address's careers.
type PageOptions struct {
	Limit int    // 1..MaxPageSize; 0: the server's default (DefaultPageSize)
	After string // CareerPage.Next of the previous page; "": the first page
}

// Careers reads one page of GET /api/v1/address/{addr}/careers. An
// address with no transactions is ErrNotFound.
func (c *Client) Careers(ctx context.Context, addr string, p PageOptions) (*CareerPage, error) {
	q := url.Values{}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.After != "" {
		q.Set("after", p.After)
	}
	path := "/api/v1/address/" + url.PathEscape(addr) + "/careers"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page CareerPage
	if err := c.get(ctx, path, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// AllCareers iterates over every transaction of addr, page by page of
// pageSize (0: the server's default). It stops at the first error, which
// it yields.
func (c *Client) AllCareers(ctx context.Context, addr string, pageSize int) iter.Seq2[CareerEntry, error] {
	return func(yield func(CareerEntry, error) bool) {
		p := PageOptions{Limit: pageSize}
		for {
			page, err := c.Careers(ctx, addr, p)
			if err != nil {
				yield(CareerEntry{}, err)
				return
			}
			for _, e := range page.Items {
				if !yield(e, nil) {
					return
				}
			}
			if page.Next == "" || len(page.Items) == 0 {
				return
			}
			p.After = page.Next
		}
	}
}

// Block reads GET /api/v1/blocks/{height}.
func (c *Client) Block(ctx context.Context, height uint64) (*BlockView, error) {
	var v BlockView
	if err := c.get(ctx, "/api/v1/blocks/"+strconv.FormatUint(height, 10), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// RawBlock reads GET /api/v1/blocks/{height}?raw=1: the block and its
// certificate in pbft's encoding (up to MaxRawBlockBytes). Nothing is
// verified here; a caller installs it only after checking the certificate.
// An answer for another height is ErrBadResponse.
func (c *Client) RawBlock(ctx context.Context, height uint64) (*RawBlock, error) {
	var rb RawBlock
	rq := request{method: http.MethodGet, url: c.base + "/api/v1/blocks/" + strconv.FormatUint(height, 10) + "?raw=1", limit: MaxRawBlockBytes}
	if _, err := c.do(ctx, rq, &rb); err != nil {
		return nil, err
	}
	if rb.Height != height {
		return nil, fmt.Errorf("%w: %s served height %d", ErrBadResponse, rq.url, rb.Height)
	}
	return &rb, nil
}

// Membership reads GET /api/v1/membership: every membership the chain has
// had. The entries are claims; verify each against the certificate of the
// block that put it in force.
func (c *Client) Membership(ctx context.Context) (*MembershipHistory, error) {
	var h MembershipHistory
	if err := c.get(ctx, "/api/v1/membership", &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// MSPStatus reads the MSP's GET /api/v1/status.
func (c *Client) MSPStatus(ctx context.Context) (*MSPStatus, error) {
	var s MSPStatus
	if err := c.get(ctx, "/api/v1/status", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// AnyStatus reads GET /api/v1/status of a base that may be a replica or
// the MSP (both serve it) and decodes the answer as the one it is: the
// MSP's names the membership's size ("n"), a replica's does not. Exactly
// one of the result's fields is set.
func (c *Client) AnyStatus(ctx context.Context) (*AnyStatus, error) {
	rq := request{method: http.MethodGet, url: c.base + "/api/v1/status"}
	a, err := c.do(ctx, rq, nil)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &fields); err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrBadResponse, rq.method, rq.url, err)
	}
	var s AnyStatus
	var out any = &s.Replica
	if _, ok := fields["n"]; ok {
		out = &s.MSP
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrBadResponse, rq.method, rq.url, err)
	}
	return &s, nil
}

// Join sends a node's join request to the MSP (POST /api/v1/join).
func (c *Client) Join(ctx context.Context, jr *JoinRequest) (*JoinAnswer, error) {
	b, err := json.Marshal(jr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var a JoinAnswer
	if _, err := c.do(ctx, request{method: http.MethodPost, url: c.base + "/api/v1/join", body: b}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// JoinState asks the MSP where node id's join stands (GET /api/v1/join/{id}).
func (c *Client) JoinState(ctx context.Context, id uint64) (*JoinAnswer, error) {
	var a JoinAnswer
	if err := c.get(ctx, "/api/v1/join/"+strconv.FormatUint(id, 10), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Admin makes an operator-signed admin call to the MSP: action is
// ActionLeader, ActionRemove or ActionPromote, id a node ID. It is not
// retried (the MSP refuses a replayed signature).
func (c *Client) Admin(ctx context.Context, op ed25519.PrivateKey, action string, id uint64) (*AdminAnswer, error) {
	if len(op) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: the operator key is not an Ed25519 private key", ErrInvalid)
	}
	body, err := json.Marshal(AdminRequest{ID: id})
	if err != nil {
		return nil, err
	}
	now := c.o.Now()
	rq := request{method: http.MethodPost, url: c.base + "/api/v1/admin/" + url.PathEscape(action), body: body,
		sign: func(r *http.Request, b []byte) { SignAdmin(r, op, b, now) }}
	var a AdminAnswer
	if _, err := c.do(ctx, rq, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
