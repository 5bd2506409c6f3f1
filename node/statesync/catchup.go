package statesync

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// CatchUp is the catch-up poller. A replica that is not in the membership
// in force (a node admitted by the MSP, waiting for the reconfiguration
// block that makes it a member, or a standby) receives no consensus
// traffic: the members' transports do not connect to it. It learns that it
// is behind by polling the members' GET /api/v1/status. A member that has
// fallen more than a checkpoint interval behind uses the same hint;
// normally checkpoints tell it first.
type CatchUp struct {
	HTTPClient         *http.Client
	Every              time.Duration         // how often to ask the members
	CheckpointInterval uint64                // a member chases the chain only this far behind (or stalled)
	Status             func() *client.Status // this replica's published status: its height and the members
}

// Run polls the members until ctx ends and sends to hints the height the
// chain has reached (one that at least f+1 members report) whenever this
// replica is behind.
func (c CatchUp) Run(ctx context.Context, hints chan<- uint64) {
	t := time.NewTicker(c.Every)
	defer t.Stop()
	var prev uint64 // own height at the last poll
	stalled := 0    // polls in a row that found this member behind and not moving
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := c.Status()
		member := false
		var urls []string
		for _, m := range st.Members {
			if m.ID == st.ID {
				member = true
			} else if m.API != "" {
				urls = append(urls, m.API)
			}
		}
		if len(urls) == 0 {
			continue
		}
		h := c.chainHeight(ctx, urls)
		behind := h > st.Height
		if member {
			// A member normally keeps up through consensus and its
			// checkpoints, so it chases the chain when it is more than a
			// checkpoint interval behind — or when it has been behind for
			// two polls without moving: it missed the messages of the
			// last blocks before the chain went quiet, and no checkpoint
			// will come to tell it.
			if behind && st.Height == prev {
				stalled++
			} else {
				stalled = 0
			}
			behind = h > st.Height+c.CheckpointInterval || stalled >= 2
		}
		prev = st.Height
		if !behind {
			continue
		}
		select {
		case hints <- h:
		case <-ctx.Done():
			return
		}
	}
}

// chainHeight asks the other members for their heights and returns the
// (f+1)-th highest answer, with f = len(urls)/3 (at least the f of the
// membership), so a height that only faulty members claim is never chased.
// Members that do not answer count as height 0.
func (c CatchUp) chainHeight(ctx context.Context, urls []string) uint64 {
	ctx, cancel := context.WithTimeout(ctx, 20*c.Every)
	defer cancel()
	heights := make([]uint64, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			if h, err := peerHeight(ctx, c.HTTPClient, u); err == nil {
				heights[i] = h
			}
		})
	}
	wg.Wait()
	slices.Sort(heights)
	slices.Reverse(heights)
	f := len(urls) / 3 // members = len(urls) (+1 if this replica is one); f = (n-1)/3
	return heights[f]
}

func peerHeight(ctx context.Context, c *http.Client, base string) (uint64, error) {
	pc, err := peerClient(c, base)
	if err != nil {
		return 0, err
	}
	st, err := pc.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.Height, nil
}
