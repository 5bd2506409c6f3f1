package node

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// The client API. Every handler returns an error; writeError maps it to a
// status through one table, shows the user a message that says what was
// wrong, and logs what only an operator should see.
//
// Submissions: any replica accepts POST /api/v1/tx. The core forwards the
// transaction to the primary over the replica transport and watches it (a
// primary that ignores it is replaced by a view change), so a client need
// not know the leader. A membership change is the exception: only the
// primary can propose a reconfiguration block, so a follower answers 307
// with the leader's API URL.

// APIHandler returns the client API (/api/v1/..., /healthz, /readyz, /metrics).
func (n *Node) APIHandler() http.Handler { return n.api }

// badRequest is a malformed request with a code of its own.
func badRequest(code client.Code, format string, args ...any) error {
	return httpkit.WithCode(code, fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...))
}

// adapt answers h's error through the kit's table. A ledger's own errors
// are translated here: a miss is a 404, and damage is never the damaged
// data nor a 404 for what the replica had — the client is told to read
// elsewhere, the operator what to do.
func (n *Node) adapt(h httpkit.HandlerFunc) http.HandlerFunc {
	return n.responder.Handle(func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ledger.ErrCorrupt):
			n.log.Error("ledger: damage found on read; this replica refuses to serve that part. Stop it, then restore "+n.led.Path()+
				" from a backup or move it away (the replica then fetches the certified chain from its peers); start with full_check to find all damage",
				"method", r.Method, "path", r.URL.Path, "request_id", httpkit.RequestIDFrom(r.Context()), "err", err)
			return &httpkit.Error{Code: client.CodeDamaged, Err: err,
				Msg: "this replica's copy of the ledger is damaged where this request reads (" + err.Error() + "); read from another replica"}
		case errors.Is(err, ledger.ErrNotFound):
			return httpkit.WithCode(client.CodeNotFound, err)
		}
		return err
	})
}

func (n *Node) newAPI() http.Handler {
	hm := n.newMetrics()
	r := chi.NewRouter()
	r.Use(httpkit.Recover(n.log), httpkit.RequestID(nil), httpkit.AccessLog(n.log, httpkit.AccessLogOptions{Now: n.cfg.Now}), hm.Middleware,
		httpkit.LimitBody(n.cfg.MaxBodyBytes, n.responder))
	r.Get("/healthz", n.adapt(n.healthz))
	r.Get("/readyz", n.adapt(n.readyz))
	r.Method(http.MethodGet, "/metrics", hm.Handler())
	r.Route("/api/v1", func(r chi.Router) {
		r.Post("/tx", n.adapt(n.postTx))
		r.Get("/tx/{txid}", n.adapt(n.getTx))
		r.Get("/tx/{txid}/proof", n.adapt(n.getProof))
		r.Get("/address/{addr}/careers", n.adapt(n.getCareers))
		r.Get("/blocks/{height}", n.adapt(n.getBlock))
		r.Get("/status", n.adapt(n.getStatus))
		r.Get("/membership", n.adapt(n.getMembership))
	})
	r.NotFound(n.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%w: no such endpoint %s", ErrNotFound, r.URL.Path)
	}))
	r.MethodNotAllowed(n.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%w: %s is not allowed on %s", httpkit.ErrMethodNotAllowed, r.Method, r.URL.Path)
	}))
	return r
}

func (n *Node) healthz(w http.ResponseWriter, r *http.Request) error {
	n.runMu.Lock()
	running := n.running && !n.closed.Load()
	n.runMu.Unlock()
	if !running {
		return fmt.Errorf("%w: the replica is not running", ErrNotReady)
	}
	httpkit.WriteJSON(w, http.StatusOK, client.Health{Status: "ok"})
	return nil
}

func (n *Node) postTx(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	body, err := httpkit.ReadBody(w, r, n.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	var tx chain.Tx
	if err := httpkit.Strict(body, &tx); err != nil {
		return badRequest(client.CodeMalformedJSON, "the body is not a transaction: %v", err)
	}
	raw, err := chain.EncodeTx(&tx)
	if err != nil {
		return err
	}
	p, err := n.admit(r.Context(), raw)
	if err != nil {
		return err
	}
	wait := r.URL.Query().Get("wait")
	waiting := wait == "1" || wait == "true"
	var done <-chan committedTx
	if waiting {
		c, cancel := n.waiters.add(p.id)
		defer cancel()
		done = c
	}
	if err := n.submit(r.Context(), p); err != nil {
		if errors.Is(err, errExecutedMeanwhile) {
			return n.answerExecuted(w, r, p.id, waiting)
		}
		if errors.Is(err, ErrNotLeader) {
			if s := n.status.Load(); s != nil {
				for _, m := range s.Members {
					if m.ID == s.Leader && m.API != "" && !s.InViewChange {
						w.Header().Set("Location", strings.TrimRight(m.API, "/")+"/api/v1/tx")
						httpkit.WriteJSON(w, http.StatusTemporaryRedirect, client.ErrorBody{Error: "membership changes go to the leader", Code: client.CodeNotLeader, Leader: m.API})
						return nil
					}
				}
			}
		}
		return err
	}
	id := hex.EncodeToString(p.id[:])
	if !waiting {
		httpkit.WriteJSON(w, http.StatusAccepted, client.SubmitResult{TxID: id, Status: client.TxPending})
		return nil
	}
	timer := time.NewTimer(n.cfg.SubmitTimeout)
	defer timer.Stop()
	select {
	case d := <-done:
		n.metrics.observeCommit(time.Since(start))
		httpkit.WriteJSON(w, http.StatusOK, client.SubmitResult{TxID: id, Status: d.result.Code.String(), Height: d.height, Index: d.index, Reason: d.result.Reason})
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: transaction %s not committed within %v; it may still commit, look it up with GET /api/v1/tx/%s", ErrTimeout, id, n.cfg.SubmitTimeout, id)
	case <-r.Context().Done():
		return r.Context().Err()
	}
}

// answerExecuted answers a submission whose transaction executed before
// this replica could propose it (errExecutedMeanwhile): 202 pending, or,
// when the client waits, the committed result once the ledger holds it
// (the block may still be on its way to disk).
func (n *Node) answerExecuted(w http.ResponseWriter, r *http.Request, id [32]byte, waiting bool) error {
	txid := hex.EncodeToString(id[:])
	if !waiting {
		httpkit.WriteJSON(w, http.StatusAccepted, client.SubmitResult{TxID: txid, Status: client.TxPending})
		return nil
	}
	deadline := time.Now().Add(n.cfg.SubmitTimeout)
	for {
		var loc ledger.Loc
		var ok bool
		if err := n.readLedger(func(t *ledger.Tx) error { loc, ok = t.TxLoc(id); return nil }); err != nil {
			return err
		}
		if ok {
			httpkit.WriteJSON(w, http.StatusOK, client.SubmitResult{TxID: txid, Status: loc.Code.String(), Height: loc.Height, Index: loc.Index})
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: transaction %s executed but is not yet on disk here; look it up with GET /api/v1/tx/%s", ErrTimeout, txid, txid)
		}
		select {
		case <-r.Context().Done():
			return r.Context().Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// admit runs a submission's checks — stateless rules and plugins (through
// the check cache, so the loop finds it checked) and the state-dependent
// prechecks — and returns it as a proposal for the loop. The stateless
// checks of concurrent submissions run together (runAdmissions).
func (n *Node) admit(ctx context.Context, raw []byte) (proposal, error) {
	n.runMu.Lock()
	running, stopped := n.running, n.runDone
	n.runMu.Unlock()
	if !running {
		return proposal{}, fmt.Errorf("%w: the replica is not running", ErrNotReady)
	}
	j := admitJob{raw: raw, done: make(chan admitted, 1)}
	var a admitted
	select {
	case n.admitC <- j:
	case <-stopped:
		return proposal{}, fmt.Errorf("%w: the replica stopped", ErrNotReady)
	case <-ctx.Done():
		return proposal{}, ctx.Err()
	}
	select {
	case a = <-j.done:
	case <-stopped:
		return proposal{}, fmt.Errorf("%w: the replica stopped", ErrNotReady)
	case <-ctx.Done():
		return proposal{}, ctx.Err()
	}
	res := a.res
	switch res.verdict.Verdict {
	case pbft.Reject:
		return proposal{}, res.err
	case pbft.Abstain:
		return proposal{}, fmt.Errorf("%w: the plugins could not judge the transaction (%s); retry later", ErrNotReady, res.verdict.Reason)
	}
	if err := n.precheck(res.id, res.tx); err != nil {
		return proposal{}, err
	}
	p := proposal{raw: raw, id: res.id, version: a.version, tx: res.tx}
	if isMembershipTx(res.tx) {
		m, err := pbft.DecodeMembership(res.tx.Config.Membership)
		if err != nil {
			return proposal{}, badRequest(client.CodeMalformed, "config.membership: %v", err)
		}
		p.membership = m
	}
	return p, nil
}

// admitJob is a submission waiting for its stateless checks.
type admitJob struct {
	raw  []byte
	done chan admitted
}

// admitted is the outcome of a submission's checks under a configuration
// version.
type admitted struct {
	res     checkResult
	version uint64
}

// runAdmissions checks the submissions that arrive together as one batch:
// their signature verifications run back to back on GOMAXPROCS workers
// instead of one per API goroutine, which under load cost less CPU per
// transaction in the cluster benchmark and keeps the API's goroutines from
// competing with the loop. A lone submission is checked at once.
func (n *Node) runAdmissions(ctx context.Context) {
	var raws [][]byte
	batches(ctx, n.admitC, 256, func(batch []admitJob) {
		raws = raws[:0]
		for _, j := range batch {
			raws = append(raws, j.raw)
		}
		st := n.state.Load()
		res := n.checkNow(ctx, st, raws, false)
		for i, j := range batch {
			j.done <- admitted{res: res[i], version: st.version}
		}
	})
}

// precheck answers the state-dependent questions a client can fix before
// the transaction reaches consensus. Execution is authoritative; this only
// fails fast.
func (n *Node) precheck(id [32]byte, tx *chain.Tx) error {
	return n.readLedger(func(t *ledger.Tx) error {
		if loc, ok := t.TxLoc(id); ok {
			return fmt.Errorf("%w: transaction %x is already at height %d", ErrReplay, id, loc.Height)
		}
		if d, err := replayDigest(tx); err == nil {
			if prev, ok := t.Statement(d); ok {
				return fmt.Errorf("%w: the same signed statement is already on chain in transaction %x", ErrReplay, prev)
			}
		}
		switch {
		case tx.Career != nil:
			if prev, ok := t.Payment(tx.Career.Receipt.Issuer, tx.Career.Receipt.PaymentID); ok {
				return httpkit.Errorf(client.CodePaymentUsed, "payment id %q was already used by transaction %x", tx.Career.Receipt.PaymentID, prev)
			}
			if tx.Type == chain.TypeAmend {
				return n.targetExists(t, tx.Career.Statement.Supersedes)
			}
		case tx.Revoke != nil:
			return n.targetExists(t, tx.Revoke.Target)
		}
		return nil
	})
}

func (n *Node) targetExists(t *ledger.Tx, txid string) error {
	id, ok := hex32(txid)
	if !ok {
		return badRequest(client.CodeMalformed, "target %q is not a TxID", txid)
	}
	if _, err := t.Record(id); err != nil {
		return httpkit.Errorf(client.CodeUnknownTarget, "no career record %s on chain", txid)
	}
	return nil
}

func parseTxID(s string) ([32]byte, error) {
	id, ok := hex32(strings.ToLower(s))
	if !ok {
		return id, badRequest(client.CodeBadTxID, "%q is not a TxID (64 hex digits)", clip(s))
	}
	return id, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func headerOf(br *ledger.BlockRecord) client.BlockHeader {
	d, root := br.Block.Digest(br.Height), br.Block.TxRoot()
	h := client.BlockHeader{Height: br.Height, Digest: d.String(), View: br.Block.View, Proposer: br.Block.Proposer, Time: br.Block.Time,
		TxRoot: root.String(), TxCount: len(br.Block.Txs), StateDigest: br.StateDigest.String()}
	if br.Block.Config != nil {
		h.Epoch = br.Block.Config.Epoch
	}
	return h
}

func recordView(rec *ledger.Record) *client.RecordView {
	rv := &client.RecordView{Status: rec.Status.String(), Reason: rec.Reason}
	switch rec.Status {
	case ledger.Superseded:
		rv.SupersededBy = hex.EncodeToString(rec.SupersededBy[:])
	case ledger.Revoked:
		rv.RevokedBy = hex.EncodeToString(rec.RevokedBy[:])
	}
	return rv
}

func (n *Node) getTx(w http.ResponseWriter, r *http.Request) error {
	id, err := parseTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return err
	}
	var v client.TxView
	err = n.readLedger(func(t *ledger.Tx) error {
		br, i, proof, err := t.Proof(id)
		if err != nil {
			return err
		}
		res := br.Results[i]
		v = client.TxView{TxID: hex.EncodeToString(id[:]), Tx: json.RawMessage(br.Block.Txs[i]), Result: res.Code.String(), Reason: res.Reason,
			Height: br.Height, Index: i, Block: headerOf(br), Proof: proof, Certificate: verify.CertificateOf(br.Cert)}
		if rec, err := t.Record(id); err == nil {
			v.Record = recordView(rec)
		}
		return nil
	})
	if errors.Is(err, ledger.ErrNotFound) {
		return fmt.Errorf("%w: no transaction %x on chain", ErrNotFound, id)
	}
	if err != nil {
		return err
	}
	if !json.Valid(v.Tx) {
		v.Tx = nil // a rejected, undecodable transaction: shown by its result only
	}
	httpkit.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (n *Node) getCareers(w http.ResponseWriter, r *http.Request) error {
	addr, err := chain.ParseAddress(chi.URLParam(r, "addr"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := client.DefaultPageSize
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > client.MaxPageSize {
			return badRequest(client.CodeBadLimit, "limit %q must be an integer in 1..%d", clip(s), client.MaxPageSize)
		}
	}
	var afterID [32]byte
	after := q.Get("after") != ""
	if after {
		if afterID, err = parseTxID(q.Get("after")); err != nil {
			return err
		}
	}
	page := client.CareerPage{Address: addr, Items: []client.CareerEntry{}}
	err = n.readLedger(func(t *ledger.Tx) error {
		var h uint64
		var i uint32
		if after {
			loc, ok := t.TxLoc(afterID)
			if !ok {
				return badRequest(client.CodeBadCursor, "after=%x is not a transaction on chain", afterID)
			}
			h, i = loc.Height, loc.Index
		}
		entries, more := t.AddressTxs(addr, after, h, i, limit)
		for _, e := range entries {
			ce := client.CareerEntry{TxID: hex.EncodeToString(e.TxID[:]), Type: kindName(e.Kind), Height: e.Height, Index: e.Index}
			if rec, err := t.Record(e.TxID); err == nil {
				ce.Record = recordView(rec)
			}
			page.Items = append(page.Items, ce)
		}
		if more && len(entries) > 0 {
			page.Next = page.Items[len(page.Items)-1].TxID
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(page.Items) == 0 && !after {
		return fmt.Errorf("%w: address %s has no transactions on chain", ErrNotFound, addr)
	}
	httpkit.WriteJSON(w, http.StatusOK, page)
	return nil
}

func (n *Node) getBlock(w http.ResponseWriter, r *http.Request) error {
	s := chi.URLParam(r, "height")
	h, err := strconv.ParseUint(s, 10, 64)
	if err != nil || h == 0 {
		return badRequest(client.CodeBadHeight, "height %q must be a positive integer", clip(s))
	}
	var br *ledger.BlockRecord
	if err := n.readLedger(func(t *ledger.Tx) error { br, err = t.Block(h); return err }); err != nil {
		if errors.Is(err, ledger.ErrCorrupt) {
			return fmt.Errorf("this replica's copy of block %d is damaged: %w", h, err)
		}
		if errors.Is(err, ledger.ErrNotFound) {
			return fmt.Errorf("%w: no block at height %d", ErrNotFound, h)
		}
		return err
	}
	if raw := r.URL.Query().Get("raw"); raw == "1" || raw == "true" {
		httpkit.WriteJSON(w, http.StatusOK, client.RawBlock{Height: h, Block: pbft.EncodeBlock(br.Block), Certificate: pbft.EncodeCertificate(br.Cert)})
		return nil
	}
	v := client.BlockView{Header: headerOf(br), Txs: make([]json.RawMessage, len(br.Block.Txs)), Certificate: verify.CertificateOf(br.Cert), CommitTime: br.CommitTime}
	for i, tx := range br.Block.Txs {
		if json.Valid(tx) {
			v.Txs[i] = tx
		} else {
			v.Txs[i] = json.RawMessage(strconv.Quote(base64.StdEncoding.EncodeToString(tx)))
		}
		v.Results = append(v.Results, client.TxResult{Result: br.Results[i].Code.String(), Reason: br.Results[i].Reason})
	}
	httpkit.WriteJSON(w, http.StatusOK, v)
	return nil
}

// Status returns a snapshot of the replica's state.
func (n *Node) Status() client.Status {
	s := *n.status.Load()
	s.Members = append([]client.StatusMember(nil), s.Members...)
	stats := n.tr.Stats()
	for i := range s.Members {
		if ps, ok := stats.Peers[s.Members[i].ID]; ok && ps.Connected {
			s.Members[i].Connected = true
			s.PeersConnected++
		}
		if s.Members[i].ID == s.ID {
			s.Members[i].Connected = true
		}
	}
	return s
}

func (n *Node) getStatus(w http.ResponseWriter, r *http.Request) error {
	httpkit.WriteJSON(w, http.StatusOK, n.Status())
	return nil
}
