package msp

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/pbft"
)

// Talking to replicas: status, the membership history (verified against
// certificates), raw blocks, and submissions.

const maxReply = 8 << 20

// epochEntry is one verified membership of the chain's history.
type epochEntry struct {
	From       uint64
	Membership *pbft.Membership
}

func getJSON(ctx context.Context, hc *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, clip(string(body)))
	}
	return json.Unmarshal(body, out)
}

func apiURL(base, path string) string { return strings.TrimRight(base, "/") + path }

func membershipOf(e node.MembershipEntry) (*pbft.Membership, error) {
	m := &pbft.Membership{Epoch: e.Epoch}
	for _, mi := range e.Members {
		sk, err1 := hex.DecodeString(mi.SignKey)
		nk, err2 := hex.DecodeString(mi.NetKey)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("member %d: keys are not hex", mi.ID)
		}
		m.Members = append(m.Members, pbft.Member{ID: mi.ID, SignKey: sk, NetKey: nk, Addr: mi.Addr, API: mi.API})
	}
	return m, m.Validate()
}

// fetchHistory reads a replica's membership history and verifies every
// entry beyond known: the reconfiguration block that put it in force must
// carry it and hold a commit certificate of the membership before it.
// known must start with the genesis membership. Certificates are checked
// for chainID, the chain this MSP serves (never the one a replica names):
// every consensus signature binds it.
func fetchHistory(ctx context.Context, hc *http.Client, api, chainID string, known []epochEntry) ([]epochEntry, uint64, error) {
	var h node.MembershipHistory
	if err := getJSON(ctx, hc, apiURL(api, "/api/v1/membership"), &h); err != nil {
		return nil, 0, err
	}
	if len(h.History) == 0 {
		return nil, 0, fmt.Errorf("%s: empty membership history", api)
	}
	out := make([]epochEntry, 0, len(h.History))
	for i, e := range h.History {
		m, err := membershipOf(e)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: history entry %d: %w", api, i, err)
		}
		if i < len(known) {
			if known[i].From != e.From || known[i].Membership.Digest() != m.Digest() {
				return nil, 0, fmt.Errorf("%s: history entry %d (epoch %d from %d) differs from the verified one", api, i, e.Epoch, e.From)
			}
			out = append(out, known[i])
			continue
		}
		if i == 0 || e.From < 2 {
			return nil, 0, fmt.Errorf("%s: history entry %d cannot be verified", api, i)
		}
		b, cert, err := fetchRawBlock(ctx, hc, api, e.From-1)
		if err != nil {
			return nil, 0, err
		}
		seq := e.From - 1
		switch {
		case b.Config == nil || b.Config.Digest() != m.Digest():
			return nil, 0, fmt.Errorf("%s: block %d does not carry the membership of epoch %d", api, seq, e.Epoch)
		case cert.Seq != seq || cert.Digest != b.Digest(seq):
			return nil, 0, fmt.Errorf("%s: the certificate of block %d is for another block", api, seq)
		}
		if err := cert.Verify(chainID, out[i-1].Membership, &pbft.MLDSAVerifier{}); err != nil {
			return nil, 0, fmt.Errorf("%s: block %d: %w", api, seq, err)
		}
		out = append(out, epochEntry{From: e.From, Membership: m})
	}
	return out, h.Height, nil
}

func fetchRawBlock(ctx context.Context, hc *http.Client, api string, h uint64) (*pbft.Block, *pbft.Certificate, error) {
	var rb node.RawBlock
	if err := getJSON(ctx, hc, apiURL(api, fmt.Sprintf("/api/v1/blocks/%d?raw=1", h)), &rb); err != nil {
		return nil, nil, err
	}
	b, err := pbft.DecodeBlock(rb.Block)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: block %d: %w", api, h, err)
	}
	c, err := pbft.DecodeCertificate(rb.Certificate)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: block %d: %w", api, h, err)
	}
	return b, c, nil
}

// submitResult is what became of a submission.
type submitResult struct {
	Status string // "accepted", "rejected", "replay" (already on chain) or "pending"
	Height uint64
	Reason string
}

// submitTx posts a transaction to a replica and waits for its commit,
// following the 307 a follower answers for a membership change. A 503/504
// (view change, not ready, timeout) is ErrUnavailable: try again later.
func submitTx(ctx context.Context, hc *http.Client, api string, raw []byte) (submitResult, error) {
	url := apiURL(api, "/api/v1/tx")
	for hop := 0; hop < 4; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?wait=1", bytes.NewReader(raw))
		if err != nil {
			return submitResult{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			return submitResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxReply))
		resp.Body.Close()
		var e struct {
			Error, Code, Leader string
		}
		_ = json.Unmarshal(body, &e)
		switch resp.StatusCode {
		case http.StatusOK:
			var r node.SubmitResult
			if err := json.Unmarshal(body, &r); err != nil {
				return submitResult{}, fmt.Errorf("%w: %s answered %q", ErrUnavailable, url, clip(string(body)))
			}
			return submitResult{Status: r.Status, Height: r.Height, Reason: r.Reason}, nil
		case http.StatusTemporaryRedirect:
			loc := resp.Header.Get("Location")
			if loc == "" {
				return submitResult{}, fmt.Errorf("%w: %s redirected nowhere", ErrUnavailable, url)
			}
			url = strings.TrimSuffix(loc, "?wait=1")
			continue
		case http.StatusConflict:
			if e.Code == "replay" {
				return submitResult{Status: "replay", Reason: e.Error}, nil
			}
			return submitResult{}, fmt.Errorf("%w: %s", ErrRejected, e.Error)
		case http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusInternalServerError:
			return submitResult{}, fmt.Errorf("%w: %s: %s %s", ErrUnavailable, url, resp.Status, e.Error)
		default:
			return submitResult{}, fmt.Errorf("%w: %s: %s %s", ErrRejected, url, resp.Status, e.Error)
		}
	}
	return submitResult{}, fmt.Errorf("%w: too many redirects", ErrUnavailable)
}

func isUnavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}
