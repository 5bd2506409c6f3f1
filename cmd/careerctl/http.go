package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client is careerctl's one way to speak HTTP to the chain: a replica or
// the MSP at base. Reads go to the replicas base names (itself, for a
// replica; the members, leader first, for the MSP), the next one when one
// does not answer. Every error wraps errNotFound (404), errInvalid (another
// 4xx), errUnreachable (no answer) or says what the server answered. It is
// meant to give way to sdk/client in this one file.
type client struct {
	base    string
	hc      *http.Client
	targets []string // replicas to read from, resolved on first use
}

func newClient(base string) *client {
	return &client{base: strings.TrimRight(base, "/"), hc: &http.Client{Timeout: 30 * time.Second}}
}

// apiError is the JSON error body of replicas and the MSP.
type apiError struct {
	Error   string `json:"error"`
	Code    string `json:"code"`
	Message string `json:"message"` // the MSP's
}

// fetch GETs url and returns the body of a 200 answer.
func (c *client) fetch(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: no answer from %s (%v); is the network running? choose another with --node URL", errUnreachable, hostOf(url), rootCause(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading the answer: %v", errUnreachable, hostOf(url), err)
	}
	if resp.StatusCode == http.StatusOK {
		return body, nil
	}
	var e apiError
	_ = json.Unmarshal(body, &e)
	msg := e.Error
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	// The sentinel's text ("node: not found: …") repeats what the exit
	// code and careerctl's own prefix say.
	for _, p := range []string{"node: ", "msp: "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			if i := strings.Index(rest, ": "); i >= 0 {
				msg = rest[i+2:]
			}
		}
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s", errNotFound, msg)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return nil, fmt.Errorf("%w: %s", errInvalid, msg)
	default:
		return nil, fmt.Errorf("%s answered %d: %s", hostOf(url), resp.StatusCode, msg)
	}
}

// getJSON GETs url and decodes its 200 answer into out.
func (c *client) getJSON(ctx context.Context, url string, out any) error {
	b, err := c.fetch(ctx, url)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s sent an answer careerctl cannot read: %v", hostOf(url), err)
	}
	return nil
}

// netStatus is what careerctl reads of GET /api/v1/status, which replicas
// and the MSP both serve: a replica sets ID, the MSP sets N.
type netStatus struct {
	ID           uint64          `json:"id"`
	N            *int            `json:"n"`
	F            int             `json:"f"`
	ChainID      string          `json:"chain_id"`
	Epoch        uint64          `json:"epoch"`
	View         uint64          `json:"view"`
	Leader       uint64          `json:"leader"`
	Height       uint64          `json:"height"`
	InViewChange bool            `json:"in_view_change"`
	Pending      json.RawMessage `json:"pending"` // a replica's count; the MSP's list of joining nodes
	Members      []netMember     `json:"members"`
}

type netMember struct {
	ID        uint64 `json:"id"`
	Addr      string `json:"addr"`
	API       string `json:"api"`
	Connected bool   `json:"connected"`
	Up        bool   `json:"up"`
}

// pending returns a replica's count of pending transactions.
func (s *netStatus) pending() int {
	var n int
	_ = json.Unmarshal(s.Pending, &n)
	return n
}

// isMSP reports whether the status is the MSP's.
func (s *netStatus) isMSP() bool { return s.N != nil }

// status reads base's status.
func (c *client) status(ctx context.Context, base string) (*netStatus, error) {
	var s netStatus
	if err := c.getJSON(ctx, strings.TrimRight(base, "/")+"/api/v1/status", &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// replicas returns the replica API URLs to read from.
func (c *client) replicas(ctx context.Context) ([]string, error) {
	if c.targets != nil {
		return c.targets, nil
	}
	s, err := c.status(ctx, c.base)
	if err != nil {
		return nil, err
	}
	if !s.isMSP() {
		c.targets = []string{c.base}
		return c.targets, nil
	}
	for _, m := range s.Members {
		if m.API == "" {
			continue
		}
		if m.ID == s.Leader {
			c.targets = append([]string{strings.TrimRight(m.API, "/")}, c.targets...)
		} else {
			c.targets = append(c.targets, strings.TrimRight(m.API, "/"))
		}
	}
	if len(c.targets) == 0 {
		return nil, fmt.Errorf("the MSP at %s names no replica with an API address", c.base)
	}
	return c.targets, nil
}

// read GETs path from the first replica that answers.
func (c *client) read(ctx context.Context, path string) ([]byte, error) {
	targets, err := c.replicas(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		b, err := c.fetch(ctx, t+path)
		if errors.Is(err, errUnreachable) {
			continue
		}
		return b, err
	}
	return nil, fmt.Errorf("%w: none of the replicas %s answered", errUnreachable, strings.Join(targets, ", "))
}

// readJSON is read and decode.
func (c *client) readJSON(ctx context.Context, path string, out any) error {
	b, err := c.read(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("a replica sent an answer careerctl cannot read: %v", err)
	}
	return nil
}

func hostOf(url string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}

// rootCause drops the URL wrapping of a transport error.
func rootCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
