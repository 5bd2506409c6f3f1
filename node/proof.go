package node

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/sdk/verify"
)

// GET /api/v1/tx/{txid}/proof answers the proof bundle (sdk/verify,
// version 1) of a career record: the record's transaction with its Merkle
// path, block header and commit certificate; every membership change since
// genesis, each the reconfiguration block with its certificate; and the
// record's status as of this replica's height, with the amending or
// revoking transaction's own inclusion as evidence. Everything is read in
// one ledger read transaction, so the parts agree with each other and with
// Status.AsOf. A verifier trusts none of it: verify.Verify checks it
// against the chain's genesis alone.
//
// Answers: 200 with the bundle; 400 for a malformed TxID; 404 for a TxID
// not on chain; 422 (code "rejected") for a transaction that execution
// rejected and 422 (code "not_a_record") for one that is not a career
// record (a revocation or a config change): neither has a record to prove.

func (n *Node) getProof(w http.ResponseWriter, r *http.Request) error {
	id, err := parseTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return err
	}
	var b *verify.Bundle
	err = n.readLedger(func(t *ledger.Tx) error {
		b, err = proofBundle(t, n.chainID, id)
		return err
	})
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, b)
	return nil
}

// proofBundle builds the bundle of record id from one ledger snapshot.
func proofBundle(t *ledger.Tx, chainID string, id [32]byte) (*verify.Bundle, error) {
	inc, txType, res, err := inclusionOf(t, id)
	if err != nil {
		return nil, err
	}
	if res.Code != ledger.Accepted {
		return nil, fmt.Errorf("%w: transaction %x was rejected at execution (%s): it is on chain, but it made no career record to prove", ErrRejected, id, res.Reason)
	}
	rec, err := t.Record(id)
	if errors.Is(err, ledger.ErrNotFound) {
		return nil, httpkit.WithCode(client.CodeNotARecord, fmt.Errorf("transaction %x is a %s, not a career record: only a career.register or career.amend has a proof bundle", id, clip(txType)))
	}
	if err != nil {
		return nil, err
	}
	b := &verify.Bundle{Version: verify.Version, ChainID: chainID, Inclusion: inc, Memberships: []verify.Change{},
		Status: verify.Status{AsOf: t.Height()}}

	// The membership history: each entry after the genesis's was put in
	// force by the reconfiguration block just below its From.
	ms, err := t.Memberships()
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.From <= 1 {
			continue
		}
		br, err := t.Block(m.From - 1)
		if err != nil {
			return nil, fmt.Errorf("reconfiguration block %d: %w", m.From-1, err)
		}
		c, err := verify.NewChange(br.Height, br.Block, br.Cert)
		if err != nil {
			return nil, fmt.Errorf("%w: membership from %d: %w", ledger.ErrCorrupt, m.From, err)
		}
		b.Memberships = append(b.Memberships, c)
	}

	if b.KeyChanges, err = keyChanges(t, b.Status.AsOf); err != nil {
		return nil, err
	}

	s := &b.Status
	switch rec.Status {
	case ledger.Active:
		s.State = verify.StateActive
	case ledger.Superseded:
		ev, _, _, err := inclusionOf(t, rec.SupersededBy)
		if err != nil {
			return nil, evidenceError("amendment", rec.SupersededBy, err)
		}
		s.State, s.By, s.Evidence = verify.StateAmended, ev.TxID, &ev
	case ledger.Revoked:
		ev, _, _, err := inclusionOf(t, rec.RevokedBy)
		if err != nil {
			return nil, evidenceError("revocation", rec.RevokedBy, err)
		}
		rtx, err := chain.DecodeTx(ev.Tx, verify.MaxTxBytes)
		if err != nil || rtx.Revoke == nil {
			return nil, fmt.Errorf("%w: the revocation %x of record %x does not decode as a career.revoke: %v", ledger.ErrCorrupt, rec.RevokedBy, id, err)
		}
		s.State, s.By, s.Reason, s.Revoker, s.Evidence = verify.StateRevoked, ev.TxID, rec.Reason, rtx.Revoke.By, &ev
	default:
		return nil, fmt.Errorf("%w: record %x has status %v", ledger.ErrCorrupt, id, rec.Status)
	}
	return b, nil
}

// inclusionOf returns the inclusion proof of transaction id, its type (as
// its JSON names it, for messages) and its execution result.
func inclusionOf(t *ledger.Tx, id [32]byte) (verify.Inclusion, string, ledger.Result, error) {
	loc, ok := t.TxLoc(id)
	if !ok {
		return verify.Inclusion{}, "", ledger.Result{}, fmt.Errorf("%w: no transaction %x on chain", ErrNotFound, id)
	}
	br, err := t.Block(loc.Height)
	if err != nil {
		return verify.Inclusion{}, "", ledger.Result{}, err
	}
	i := int(loc.Index)
	if i >= len(br.Block.Txs) {
		return verify.Inclusion{}, "", ledger.Result{}, fmt.Errorf("%w: index %d beyond block %d", ledger.ErrCorrupt, i, loc.Height)
	}
	inc, err := verify.NewInclusion(br.Height, br.Block, br.Cert, i)
	if err != nil {
		return verify.Inclusion{}, "", ledger.Result{}, fmt.Errorf("%w: %w", ledger.ErrCorrupt, err)
	}
	if inc.TxID != hex.EncodeToString(id[:]) {
		return verify.Inclusion{}, "", ledger.Result{}, fmt.Errorf("%w: the index names transaction %x at height %d index %d, the block holds %s", ledger.ErrCorrupt, id, loc.Height, i, inc.TxID)
	}
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(inc.Tx, &head) != nil || head.Type == "" {
		head.Type = "undecodable transaction"
	}
	return inc, head.Type, br.Results[i], nil
}

// evidenceError reports that the amendment or revocation a record names
// cannot be read: the ledger indexes both in the block that changed the
// record, so a miss is damage, never the client's 404.
func evidenceError(kind string, id [32]byte, err error) error {
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: the record names %s %x, which is not on chain", ledger.ErrCorrupt, kind, id)
	}
	return err
}

// keyChanges returns every accepted change of the attester or payment-issuer
// sets up to height asOf, oldest first, each with its inclusion: a verifier
// replays them from the genesis sets to know which keys were in force at the
// record's height. Config transactions are listed under their signer's
// address, and only the genesis's config signers may sign them.
func keyChanges(t *ledger.Tx, asOf uint64) ([]verify.Inclusion, error) {
	var cc genesis.ChainConfig
	if err := json.Unmarshal(t.ChainConfig(), &cc); err != nil {
		return nil, fmt.Errorf("%w: chain config: %w", ledger.ErrCorrupt, err)
	}
	type at struct {
		h uint64
		i uint32
	}
	found := make(map[at]verify.Inclusion)
	for _, k := range cc.ConfigSigners {
		addr, err := chain.AddressFromKeyHex(k)
		if err != nil {
			return nil, fmt.Errorf("%w: config signer %q: %w", ledger.ErrCorrupt, k, err)
		}
		after, h, i := false, uint64(0), uint32(0)
		for {
			page, more := t.AddressTxs(addr, after, h, i, 256)
			for _, e := range page {
				if e.Kind != kindOf(chain.TypeConfig) || e.Height > asOf {
					continue
				}
				if loc, ok := t.TxLoc(e.TxID); !ok || loc.Code != ledger.Accepted {
					continue
				}
				br, err := t.Block(e.Height)
				if err != nil {
					return nil, err
				}
				if int(e.Index) >= len(br.Block.Txs) {
					return nil, fmt.Errorf("%w: index %d beyond block %d", ledger.ErrCorrupt, e.Index, e.Height)
				}
				tx, err := chain.DecodeTx(br.Block.Txs[e.Index], verify.MaxTxBytes)
				if err != nil || tx.Config == nil || tx.Config.Keys == nil {
					continue
				}
				inc, err := verify.NewInclusion(br.Height, br.Block, br.Cert, int(e.Index))
				if err != nil {
					return nil, fmt.Errorf("%w: %w", ledger.ErrCorrupt, err)
				}
				found[at{e.Height, e.Index}] = inc
			}
			if !more || len(page) == 0 {
				break
			}
			last := page[len(page)-1]
			after, h, i = true, last.Height, last.Index
		}
	}
	keys := slices.SortedFunc(maps.Keys(found), func(a, b at) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	out := make([]verify.Inclusion, 0, len(keys))
	for _, k := range keys {
		out = append(out, found[k])
	}
	return out, nil
}
