package msp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
)

// Talking to replicas: status, the membership history (verified against
// certificates), raw blocks, and submissions.

// epochEntry is one verified membership of the chain's history.
type epochEntry struct {
	From       uint64
	Membership *pbft.Membership
}

// replicaClient returns an API client of the replica at api. The caller's
// context bounds each call, and the MSP's loop retries on its own
// schedule (a missed poll is a miss), so the client does neither.
func replicaClient(hc *http.Client, api string) (*client.Client, error) {
	return client.New(api, client.Options{HTTPClient: hc, Timeout: -1, Retries: -1})
}

func membershipOf(e client.MembershipEntry) (*pbft.Membership, error) {
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
	rc, err := replicaClient(hc, api)
	if err != nil {
		return nil, 0, err
	}
	h, err := rc.Membership(ctx)
	if err != nil {
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
		b, cert, err := fetchRawBlock(ctx, rc, e.From-1)
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

func fetchRawBlock(ctx context.Context, rc *client.Client, h uint64) (*pbft.Block, *pbft.Certificate, error) {
	rb, err := rc.RawBlock(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	b, err := pbft.DecodeBlock(rb.Block)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: block %d: %w", rc.Base(), h, err)
	}
	c, err := pbft.DecodeCertificate(rb.Certificate)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: block %d: %w", rc.Base(), h, err)
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
// following the 307 a follower answers for a membership change. A 5xx
// (view change, not ready, timeout) or no answer is ErrUnavailable: try
// again later; any other refusal is ErrRejected.
func submitTx(ctx context.Context, hc *http.Client, api string, raw []byte) (submitResult, error) {
	rc, err := replicaClient(hc, api)
	if err != nil {
		return submitResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r, err := rc.SubmitAndWait(ctx, raw)
	if err == nil {
		return submitResult{Status: r.Status, Height: r.Height, Reason: r.Reason}, nil
	}
	var ce *client.Error
	switch refused := errors.As(err, &ce); {
	case refused && ce.Code == client.CodeReplay:
		return submitResult{Status: "replay", Reason: ce.Message}, nil
	case refused && ce.Status < 500:
		return submitResult{}, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return submitResult{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func isUnavailable(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}
