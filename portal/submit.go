package portal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// Run drives the claims' background steps until ctx ends: it submits
// approved claims and holders' revocations through the Submitter and
// finishes refunds of rejected claims. Everything it works on is in the
// store, so after a restart Run resumes exactly where the last process
// stopped; the transaction bytes were stored before the first send, so a
// resumed submission sends the same TxID and can never commit twice. Run
// returns nil when ctx ends (at once when claims are off).
func (s *Server) Run(ctx context.Context) error {
	if s.o.Claims == nil {
		return nil
	}
	t := time.NewTicker(3 * time.Second)
	defer t.Stop()
	for {
		s.Work(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-t.C:
		}
	}
}

// wake tells Run there is work.
func (s *Server) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Work does one pass of Run's steps: every pending refund, submission and
// revocation once.
func (s *Server) Work(ctx context.Context) {
	cs, err := s.o.Store.ClaimsIn(ctx, store.StateApproved, store.StateRejecting, store.StateCommitted)
	if err != nil {
		s.o.Logger.Error("portal: listing pending claims", "err", err)
		return
	}
	for _, c := range cs {
		if ctx.Err() != nil {
			return
		}
		switch {
		case c.State == store.StateRejecting:
			s.refund(ctx, c.ID)
		case c.State == store.StateApproved:
			s.submit(ctx, c.ID, c.Tx, false)
		case c.Revocation != nil && c.Revocation.State == store.StateApproved:
			s.submit(ctx, c.ID, c.Revocation.Tx, true)
		}
	}
}

// submit sends a stored transaction and records the outcome and the
// attempt, for the claim itself or its revocation.
func (s *Server) submit(ctx context.Context, id string, raw []byte, revocation bool) {
	tx, err := chain.DecodeTx(raw, len(raw))
	if err != nil {
		s.o.Logger.Error("portal: stored transaction does not decode", "claim", id, "err", err)
		return
	}
	res, err := s.o.Claims.Submitter.Submit(ctx, tx)
	if ctx.Err() != nil {
		return // stopping: the next start resumes it
	}
	try := store.Try{Time: s.o.Now()}
	state, reason := store.StateApproved, ""
	var height uint64
	switch {
	case err == nil && res.Status == "accepted":
		state, height = store.StateCommitted, res.Height
		try.Attempts, try.Note = res.Attempts, fmt.Sprintf("committed in block %d", res.Height)
	case err == nil:
		state, reason = store.StateFailed, res.Reason
		try.Attempts, try.Note = res.Attempts, "the chain refused it: "+res.Reason
	case errors.Is(err, middleware.ErrRejected):
		state, reason = store.StateFailed, err.Error()
		try.Note = "refused: " + err.Error()
		if res != nil {
			try.Attempts = res.Attempts
		}
	default:
		try.Note = "no replica took it; trying again: " + err.Error()
	}
	if try.Attempts > 1 {
		try.Note += fmt.Sprintf(" (after %d sends: a failed round or a leader change was retried)", try.Attempts)
	}
	_, uerr := s.o.Store.UpdateClaim(ctx, id, func(c *store.Claim) ([]store.File, []string, error) {
		if revocation {
			rv := c.Revocation
			if rv == nil || rv.State != store.StateApproved {
				return nil, nil, nil
			}
			rv.Tries = append(rv.Tries, try)
			rv.State, rv.Reason = state, reason
			return nil, nil, nil
		}
		if c.State != store.StateApproved {
			return nil, nil, nil
		}
		c.Tries = append(c.Tries, try)
		c.State, c.Height = state, height
		if reason != "" {
			c.Reason = reason
		}
		return nil, nil, nil
	})
	if uerr != nil {
		s.o.Logger.Error("portal: recording submission", "claim", id, "err", uerr)
		return
	}
	s.o.Logger.Info("portal: submission", "claim", id, "txid", chain.TxID(tx), "revocation", revocation, "state", state, "note", try.Note)
}
