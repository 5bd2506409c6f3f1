package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// verify checks a record with the light client (sdk/verify) against the
// genesis file alone: from a bundle file, or from a bundle fetched from the
// network (never with --offline). The server is not trusted either way:
// fetching only saves the step of saving the bundle.
func (e *env) verify(ctx context.Context, g globals, args []string) error {
	fs := flags("verify", &g)
	offline := fs.Bool("offline", false, "verify a bundle file without any network access")
	genesis := fs.String("genesis", "", "the chain's genesis file, the trust anchor (default $CAREERCHAIN_GENESIS or data/genesis.json)")
	pos, err := parse(fs, args, 1, "a TXID or a BUNDLE file")
	if err != nil {
		return err
	}
	gpath, err := e.genesisPath(*genesis)
	if err != nil {
		return err
	}
	gb, err := os.ReadFile(gpath)
	if err != nil {
		return fmt.Errorf("the genesis file: %w", err)
	}
	trust, err := verify.TrustFromGenesisJSON(gb)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errInvalid, gpath, err)
	}

	arg, source := pos[0], pos[0]
	var rep verify.Report
	var b *verify.Bundle
	if _, statErr := os.Stat(arg); statErr == nil {
		raw, err := os.ReadFile(arg)
		if err != nil {
			return err
		}
		rep = verify.VerifyJSON(raw, trust)
		if bd, err := verify.DecodeBundle(raw); err == nil {
			b = bd
		}
	} else {
		id, err := parseTxID(arg)
		if err != nil {
			return fmt.Errorf("%w: %q is neither a bundle file nor a TxID", errUsage, clip(arg))
		}
		if *offline {
			return fmt.Errorf("%w: --offline verifies a bundle file; save one first with careerctl proof %s > bundle.json", errUsage, id)
		}
		n, err := newNetwork(g.node)
		if err != nil {
			return err
		}
		if err := n.read(ctx, func(c *client.Client) (err error) { b, err = c.Proof(ctx, id); return err }); err != nil {
			return err
		}
		rep = verify.Verify(b, trust)
		source = "the network (" + g.node + ")"
	}

	if g.json {
		out := struct {
			OK      bool          `json:"ok"`
			TxID    string        `json:"txid,omitempty"`
			ChainID string        `json:"chain_id"`
			Genesis string        `json:"genesis"`
			Status  string        `json:"status,omitempty"`
			AsOf    uint64        `json:"as_of,omitempty"`
			Steps   []verify.Step `json:"steps"`
		}{OK: rep.OK(), ChainID: trust.ChainID, Genesis: gpath, Steps: rep.Steps}
		if b != nil {
			out.TxID, out.Status, out.AsOf = b.TxID, b.Status.State, b.Status.AsOf
		}
		if err := writeJSON(e.stdout, out); err != nil {
			return err
		}
	} else {
		w := e.stdout
		fmt.Fprintf(w, "Verifying the proof from %s\nagainst the genesis %s (chain %s), trusting nothing else.\n", source, gpath, trust.ChainID)
		if b != nil {
			fmt.Fprintf(w, "Record %s", b.TxID)
			if tx, err := chain.DecodeTx(b.Tx, verify.MaxTxBytes); err == nil && tx.Career != nil {
				fmt.Fprintf(w, ": %s, holder %s", claimLine(tx.Career.Statement.Claim), tx.Career.Statement.Holder)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
		for _, s := range rep.Steps {
			mark := "✓"
			if !s.OK {
				mark = "✗"
			}
			fmt.Fprintf(w, "%s %s: %s\n", mark, s.Name, s.Text)
		}
		fmt.Fprintln(w)
		if rep.OK() {
			fmt.Fprintf(w, "Verified: every step passed. Status %s as of height %d.\n", b.Status.State, b.Status.AsOf)
		}
	}
	if !rep.OK() {
		f, _ := rep.Failed()
		return fmt.Errorf("%w: NOT verified: the check stopped at step %q: %s", errInvalid, f.Name, f.Text)
	}
	return nil
}

// genesisPath is the genesis file to trust: the flag, else
// $CAREERCHAIN_GENESIS, else the dev network's data/genesis.json.
func (e *env) genesisPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := e.getenv("CAREERCHAIN_GENESIS"); p != "" {
		return p, nil
	}
	p := filepath.Join("data", "genesis.json")
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: verify needs the chain's genesis file, the one thing it trusts: pass --genesis FILE (careerd dev writes DATADIR/genesis.json)", errUsage)
	}
	return p, nil
}
