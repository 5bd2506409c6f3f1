package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// parseTxID checks a TxID typed by a person.
func parseTxID(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
		return "", fmt.Errorf("%w: %q is not a TxID (64 hex digits)", errUsage, clip(s))
	}
	return s, nil
}

// txidCommand parses the arguments of a command that takes one TXID and
// reaches the network --node names.
func txidCommand(fs *flag.FlagSet, args []string, g globals) (string, *network, error) {
	pos, err := parse(fs, args, 1, "a TXID")
	if err != nil {
		return "", nil, err
	}
	id, err := parseTxID(pos[0])
	if err != nil {
		return "", nil, err
	}
	n, err := newNetwork(g.node)
	return id, n, err
}

func (e *env) get(ctx context.Context, g globals, args []string) error {
	fs := flags("get", &g)
	id, n, err := txidCommand(fs, args, g)
	if err != nil {
		return err
	}
	var v *client.TxView
	if err := n.read(ctx, func(c *client.Client) (err error) { v, err = c.Tx(ctx, id); return err }); err != nil {
		return err
	}
	if g.json {
		return writeJSON(e.stdout, v)
	}
	var tx chain.Tx
	_ = json.Unmarshal(v.Tx, &tx)
	w := e.stdout
	fmt.Fprintf(w, "Transaction %s\n", v.TxID)
	fmt.Fprintf(w, "  type:      %s\n", orUnknown(tx.Type))
	when := ""
	if v.Block.Time > 0 {
		when = ", " + time.UnixMilli(v.Block.Time).UTC().Format("2006-01-02 15:04 UTC")
	}
	fmt.Fprintf(w, "  committed: height %d, index %d%s\n", v.Height, v.Index, when)
	if v.Result == "accepted" {
		fmt.Fprintf(w, "  result:    accepted\n")
	} else {
		fmt.Fprintf(w, "  result:    %s: %s\n", v.Result, v.Reason)
	}
	switch {
	case tx.Career != nil:
		st := tx.Career.Statement
		fmt.Fprintf(w, "  holder:    %s\n", st.Holder)
		fmt.Fprintf(w, "  claim:     %s\n", claimLine(st.Claim))
		if len(st.Claim.Skills) > 0 {
			fmt.Fprintf(w, "  skills:    %s\n", strings.Join(st.Claim.Skills, ", "))
		}
		if st.Claim.Description != "" {
			fmt.Fprintf(w, "  about:     %s\n", st.Claim.Description)
		}
		if st.Supersedes != "" {
			fmt.Fprintf(w, "  amends:    %s\n", st.Supersedes)
		}
		fmt.Fprintf(w, "  paid:      %d %s (%s, payment %s)\n", tx.Career.Receipt.Amount, tx.Career.Receipt.Currency, tx.Career.Receipt.Provider, tx.Career.Receipt.PaymentID)
		fmt.Fprintf(w, "  attested:  by %s\n", short(tx.Career.Attestation.Attester))
	case tx.Revoke != nil:
		fmt.Fprintf(w, "  revokes:   %s\n  reason:    %s\n  by:        %s\n", tx.Revoke.Target, tx.Revoke.Reason, short(tx.Revoke.By))
	case tx.Config != nil:
		fmt.Fprintf(w, "  changes:   %s (signed by %s)\n", configLine(tx.Config), short(tx.Config.Signer))
	}
	if v.Record != nil {
		fmt.Fprintf(w, "  status:    %s\n", statusLine(v.Record))
	}
	return nil
}

func claimLine(c chain.Claim) string {
	end := c.End
	if end == "" {
		end = "ongoing"
	}
	return fmt.Sprintf("%s at %s, %s to %s", c.Role, c.Organisation, c.Start, end)
}

func configLine(c *chain.Config) string {
	switch {
	case len(c.Membership) > 0:
		return "the membership"
	case c.Leader != nil:
		return fmt.Sprintf("the leader, to replica %d", *c.Leader)
	case c.PoWDifficulty != nil:
		return fmt.Sprintf("the PoW difficulty, to %d", *c.PoWDifficulty)
	case len(c.Plugins) > 0:
		return fmt.Sprintf("the plugin set, to %d plugins", len(c.Plugins))
	}
	return "nothing"
}

func statusLine(r *client.RecordView) string {
	switch r.Status {
	case "superseded":
		return "amended by " + r.SupersededBy
	case "revoked":
		return fmt.Sprintf("revoked by %s: %s", r.RevokedBy, r.Reason)
	}
	return r.Status
}

func (e *env) careers(ctx context.Context, g globals, args []string) error {
	fs := flags("careers", &g)
	limit := fs.Int("limit", 50, "transactions per page (1..1000)")
	after := fs.String("after", "", "start after this TxID (the previous page's next)")
	all := fs.Bool("all", false, "follow the pages to the end")
	pos, err := parse(fs, args, 1, "an ADDRESS")
	if err != nil {
		return err
	}
	addr, err := chain.ParseAddress(pos[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *limit < 1 || *limit > 1000 {
		return fmt.Errorf("%w: --limit %d must be in 1..1000", errUsage, *limit)
	}
	if *after != "" {
		if *after, err = parseTxID(*after); err != nil {
			return err
		}
	}
	n, err := newNetwork(g.node)
	if err != nil {
		return err
	}
	var pages []*client.CareerPage
	for {
		var p *client.CareerPage
		if err := n.read(ctx, func(c *client.Client) (err error) {
			p, err = c.Careers(ctx, addr, client.PageOptions{Limit: *limit, After: *after})
			return err
		}); err != nil {
			return err
		}
		pages = append(pages, p)
		if !*all || p.Next == "" || len(p.Items) == 0 {
			break
		}
		*after = p.Next
	}
	if g.json {
		out := *pages[0]
		for _, p := range pages[1:] {
			out.Items = append(out.Items, p.Items...)
			out.Next = p.Next
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TXID\tTYPE\tHEIGHT\tSTATUS\n")
	shown := 0
	for _, p := range pages {
		for _, it := range p.Items {
			st := "-"
			if it.Record != nil {
				st = statusLine(it.Record)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", it.TxID, it.Type, it.Height, st)
			shown++
		}
	}
	tw.Flush()
	if next := pages[len(pages)-1].Next; next != "" {
		fmt.Fprintf(e.stderr, "%d shown; more: careerctl careers %s --after %s (or --all)\n", shown, addr, next)
	}
	return nil
}

func (e *env) proof(ctx context.Context, g globals, args []string) error {
	fs := flags("proof", &g)
	out := fs.String("out", "-", "write the bundle to FILE (default stdout)")
	id, n, err := txidCommand(fs, args, g)
	if err != nil {
		return err
	}
	var b *verify.Bundle
	if err := n.read(ctx, func(c *client.Client) (err error) { b, err = c.Proof(ctx, id); return err }); err != nil {
		return err
	}
	buf, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	buf = append(buf, '\n')
	if *out == "-" {
		_, err = e.stdout.Write(buf)
		return err
	}
	if err := os.WriteFile(*out, buf, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote the proof of %s (%s, as of height %d) to %s\n", id, b.Status.State, b.Status.AsOf, *out)
	return nil
}

// replicaState is one replica in the status command's answer: which it
// is, whether it answered, and, if it did, its own status (the wire type,
// whose fields the JSON shows inline).
type replicaState struct {
	ID    uint64 `json:"id"`
	API   string `json:"api"`
	Up    bool   `json:"up"`
	Error string `json:"error,omitempty"`
	*client.Status
}

func (e *env) status(ctx context.Context, g globals, args []string) error {
	fs := flags("status", &g)
	if _, err := parse(fs, args, 0, ""); err != nil {
		return err
	}
	n, err := newNetwork(g.node)
	if err != nil {
		return err
	}
	s, err := n.status(ctx)
	if err != nil {
		return err
	}
	reps := make([]replicaState, len(s.members))
	var wg sync.WaitGroup
	for i, m := range s.members {
		reps[i] = replicaState{ID: m.id, API: m.api}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			c, err := newAPI(m.api)
			if err != nil {
				reps[i].Error = err.Error()
				return
			}
			rs, err := c.Status(cctx)
			if err != nil {
				reps[i].Error = apiError(cctx, err).Error()
				return
			}
			reps[i].Up, reps[i].Status = true, rs
		})
	}
	wg.Wait()
	// The MSP polls the replicas now and then: the network's height is
	// the highest a replica reports.
	for _, r := range reps {
		if r.Up {
			s.height = max(s.height, r.Height)
		}
	}
	source := "replica"
	if s.msp {
		source = "MSP"
	}
	if g.json {
		return writeJSON(e.stdout, map[string]any{"source": source, "node": n.base, "chain_id": s.chainID, "epoch": s.epoch,
			"view": s.view, "leader": s.leader, "height": s.height, "in_view_change": s.inViewChange, "replicas": reps})
	}
	w := e.stdout
	up := 0
	for _, r := range reps {
		if r.Up {
			up++
		}
	}
	f := (len(reps) - 1) / 3
	fmt.Fprintf(w, "Chain %s, as the %s at %s sees it:\n", s.chainID, source, n.base)
	leader := fmt.Sprintf("replica %d", s.leader)
	if s.inViewChange {
		leader = "none (a view change is under way)"
	}
	fmt.Fprintf(w, "  membership epoch %d, %d replicas (tolerates %d faulty), %d answering\n", s.epoch, len(reps), f, up)
	fmt.Fprintf(w, "  view %d, leader %s, height %d\n\n", s.view, leader, s.height)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "REPLICA\tAPI\tSTATE\tHEIGHT\tVIEW\tEPOCH\tPEERS\tPENDING\n")
	for _, r := range reps {
		name := fmt.Sprint(r.ID)
		if r.ID == s.leader && !s.inViewChange {
			name += " (leader)"
		}
		if !r.Up {
			fmt.Fprintf(tw, "%s\t%s\tdown\t-\t-\t-\t-\t-\n", name, r.API)
			continue
		}
		state := "up"
		if r.InViewChange {
			state = "view change"
		} else if s.height > r.Height+2 {
			state = fmt.Sprintf("behind by %d", s.height-r.Height)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d/%d\t%d\n", name, r.API, state, r.Height, r.View, r.Epoch, r.PeersConnected, len(reps)-1, r.Pending)
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "(undecodable)"
	}
	return s
}

func short(k string) string {
	if len(k) > 16 {
		return k[:8] + "…" + k[len(k)-8:]
	}
	return k
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
