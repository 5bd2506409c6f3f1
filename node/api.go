package node

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
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

// APIHandler returns the client API (/api/v1/..., /healthz, /metrics).
func (n *Node) APIHandler() http.Handler { return n.api }

type handler func(w http.ResponseWriter, r *http.Request) error

// httpError is an error with an explicit status and code.
type httpError struct {
	status int
	code   string
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func badRequest(code string, format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, code: code, err: fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)}
}

// errorTable maps sentinels to statuses, first match wins.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{ErrMalformed, http.StatusBadRequest, "malformed"},
	{httpkit.ErrBodyCut, http.StatusBadRequest, "body_cut"},
	{httpkit.ErrBodyTimeout, http.StatusRequestTimeout, "body_timeout"},
	{httpkit.ErrBodyTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ledger.ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrReplay, http.StatusConflict, "replay"},
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{pbft.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ErrRejected, http.StatusUnprocessableEntity, "rejected"},
	{ErrNotReady, http.StatusServiceUnavailable, "not_ready"},
	{pbft.ErrBusy, http.StatusServiceUnavailable, "busy"},
	{ErrNotLeader, http.StatusServiceUnavailable, "not_leader"},
	{ErrTimeout, http.StatusGatewayTimeout, "timeout"},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, "timeout"},
}

func (n *Node) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away while it waited: nobody reads an answer,
		// and nothing failed here.
		n.log.Debug("api: client went away", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		return
	}
	status, code, msg := http.StatusInternalServerError, "internal", "internal error"
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		status, code, msg = he.status, he.code, he.err.Error()
	case errors.As(err, &mbe) && !errors.Is(err, httpkit.ErrBodyTooLarge):
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)
	case isChainError(err):
		status, code, msg = http.StatusBadRequest, errorCode(err), err.Error()
	default:
		for _, e := range errorTable {
			if errors.Is(err, e.err) {
				status, code, msg = e.status, e.code, err.Error()
				break
			}
		}
	}
	if errors.Is(err, ledger.ErrCorrupt) {
		// Never the damaged data, and never a 404 for what the replica
		// had: the client is told to read elsewhere, the operator what to do.
		status, code = http.StatusInternalServerError, "damaged"
		msg = "this replica's copy of the ledger is damaged where this request reads (" + err.Error() + "); read from another replica"
		n.log.Error("ledger: damage found on read; this replica refuses to serve that part. Stop it, then restore "+n.led.Path()+
			" from a backup or move it away (the replica then fetches the certified chain from its peers); start with full_check to find all damage",
			"method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status >= 500 && code == "internal" {
		n.log.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, status, map[string]string{"error": msg, "code": code})
}

func isChainError(err error) bool {
	for _, e := range []error{chain.ErrMalformed, chain.ErrTooLarge, chain.ErrNonCanonical, chain.ErrWrongChain,
		chain.ErrBadSignature, chain.ErrHolderMismatch, chain.ErrReceiptMismatch, chain.ErrMissingAttestation,
		chain.ErrUnknownAttester, chain.ErrUnknownIssuer, chain.ErrUnknownSigner, chain.ErrPoW, chain.ErrCanonical,
		chain.ErrAddress, chain.ErrAddressChecksum, chain.ErrKey} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// WriteJSON writes v as a JSON response with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error","code":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (n *Node) adapt(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			n.writeError(w, r, err)
		}
	}
}

// recoverer turns a panic in a handler into a logged 500.
func (n *Node) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				n.log.Error("api: panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "code": "internal"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (n *Node) newAPI() http.Handler {
	r := chi.NewRouter()
	r.Use(n.recoverer)
	r.Get("/healthz", n.adapt(n.healthz))
	r.Get("/metrics", n.serveMetrics)
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
		return &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed", err: fmt.Errorf("%s is not allowed on %s", r.Method, r.URL.Path)}
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
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// SubmitResult is the answer to POST /api/v1/tx.
type SubmitResult struct {
	TxID   string `json:"txid"`
	Status string `json:"status"` // "pending", "accepted" or "rejected"
	Height uint64 `json:"height,omitempty"`
	Index  uint32 `json:"index,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (n *Node) postTx(w http.ResponseWriter, r *http.Request) error {
	body, err := httpkit.ReadBody(w, r, n.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	var tx chain.Tx
	if err := StrictJSON(body, &tx); err != nil {
		return badRequest("malformed_json", "the body is not a transaction: %v", err)
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
		if errors.Is(err, ErrNotLeader) {
			if s := n.status.Load(); s != nil {
				for _, m := range s.Members {
					if m.ID == s.Leader && m.API != "" && !s.InViewChange {
						w.Header().Set("Location", strings.TrimRight(m.API, "/")+"/api/v1/tx")
						WriteJSON(w, http.StatusTemporaryRedirect, map[string]string{"error": "membership changes go to the leader", "code": "not_leader", "leader": m.API})
						return nil
					}
				}
			}
		}
		return err
	}
	id := hex.EncodeToString(p.id[:])
	if !waiting {
		WriteJSON(w, http.StatusAccepted, SubmitResult{TxID: id, Status: "pending"})
		return nil
	}
	timer := time.NewTimer(n.cfg.SubmitTimeout)
	defer timer.Stop()
	select {
	case d := <-done:
		WriteJSON(w, http.StatusOK, SubmitResult{TxID: id, Status: d.result.Code.String(), Height: d.height, Index: d.index, Reason: d.result.Reason})
		return nil
	case <-timer.C:
		return fmt.Errorf("%w: transaction %s not committed within %v; it may still commit, look it up with GET /api/v1/tx/%s", ErrTimeout, id, n.cfg.SubmitTimeout, id)
	case <-r.Context().Done():
		return r.Context().Err()
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
	switch res.verdict.Decision {
	case Reject:
		return proposal{}, res.err
	case Abstain:
		return proposal{}, fmt.Errorf("%w: the plugins could not judge the transaction (%s); retry later", ErrNotReady, res.verdict.Reason)
	}
	if err := n.precheck(res.id, res.tx); err != nil {
		return proposal{}, err
	}
	p := proposal{raw: raw, id: res.id, version: a.version, tx: res.tx}
	if isMembershipTx(res.tx) {
		m, err := pbft.DecodeMembership(res.tx.Config.Membership)
		if err != nil {
			return proposal{}, badRequest("malformed", "config.membership: %v", err)
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
				return &httpError{status: http.StatusConflict, code: "payment_used", err: fmt.Errorf("payment id %q was already used by transaction %x", tx.Career.Receipt.PaymentID, prev)}
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
		return badRequest("malformed", "target %q is not a TxID", txid)
	}
	if _, err := t.Record(id); err != nil {
		return &httpError{status: http.StatusNotFound, code: "unknown_target", err: fmt.Errorf("no career record %s on chain", txid)}
	}
	return nil
}

func parseTxID(s string) ([32]byte, error) {
	id, ok := hex32(strings.ToLower(s))
	if !ok {
		return id, badRequest("bad_txid", "%q is not a TxID (64 hex digits)", clip(s))
	}
	return id, nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// BlockHeader is a block's header as the API shows it.
type BlockHeader struct {
	Height      uint64 `json:"height"`
	Digest      string `json:"digest"`
	View        uint64 `json:"view"`
	Proposer    uint64 `json:"proposer"`
	Time        int64  `json:"time"` // proposer's clock, Unix ms
	TxRoot      string `json:"tx_root"`
	TxCount     int    `json:"tx_count"`
	StateDigest string `json:"state_digest"`
	Epoch       uint64 `json:"config_epoch,omitempty"` // set on reconfiguration blocks
}

// CertificateJSON is a commit certificate as the API shows it. Each
// signature is over pbft's COMMIT signing bytes (format v2): the domain
// "careerchain/pbft/v2", the chain ID, then type, replica, epoch, view,
// seq and digest, so a verifier needs the epoch too.
type CertificateJSON struct {
	Epoch  uint64          `json:"epoch"`
	View   uint64          `json:"view"`
	Seq    uint64          `json:"seq"`
	Digest string          `json:"digest"`
	Sigs   []CommitSigJSON `json:"sigs"`
}

// CommitSigJSON is one replica's signature.
type CommitSigJSON struct {
	Replica uint64 `json:"replica"`
	Sig     string `json:"sig"`
}

func headerOf(br *ledger.BlockRecord) BlockHeader {
	d, root := br.Block.Digest(br.Height), br.Block.TxRoot()
	h := BlockHeader{Height: br.Height, Digest: d.String(), View: br.Block.View, Proposer: br.Block.Proposer, Time: br.Block.Time,
		TxRoot: root.String(), TxCount: len(br.Block.Txs), StateDigest: br.StateDigest.String()}
	if br.Block.Config != nil {
		h.Epoch = br.Block.Config.Epoch
	}
	return h
}

func certOf(c *pbft.Certificate) CertificateJSON {
	cj := CertificateJSON{Epoch: c.Epoch, View: c.View, Seq: c.Seq, Digest: c.Digest.String()}
	for _, s := range c.Sigs {
		cj.Sigs = append(cj.Sigs, CommitSigJSON{Replica: s.Replica, Sig: hex.EncodeToString(s.Sig)})
	}
	return cj
}

// TxView is the answer to GET /api/v1/tx/{txid}: the transaction, its
// result, its block header, the Merkle path from the TxID to the header's
// tx_root, the commit certificate, and the record's state for careers.
type TxView struct {
	TxID        string            `json:"txid"`
	Tx          json.RawMessage   `json:"tx"`
	Result      string            `json:"result"`
	Reason      string            `json:"reason,omitempty"`
	Height      uint64            `json:"height"`
	Index       int               `json:"index"`
	Block       BlockHeader       `json:"block"`
	Proof       []chain.ProofStep `json:"proof"`
	Certificate CertificateJSON   `json:"certificate"`
	Record      *RecordView       `json:"record,omitempty"`
}

// RecordView is the state of a career record.
type RecordView struct {
	Status       string `json:"status"`
	SupersededBy string `json:"superseded_by,omitempty"`
	RevokedBy    string `json:"revoked_by,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

func recordView(rec *ledger.Record) *RecordView {
	rv := &RecordView{Status: rec.Status.String(), Reason: rec.Reason}
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
	var v TxView
	err = n.readLedger(func(t *ledger.Tx) error {
		br, i, proof, err := t.Proof(id)
		if err != nil {
			return err
		}
		res := br.Results[i]
		v = TxView{TxID: hex.EncodeToString(id[:]), Tx: json.RawMessage(br.Block.Txs[i]), Result: res.Code.String(), Reason: res.Reason,
			Height: br.Height, Index: i, Block: headerOf(br), Proof: proof, Certificate: certOf(br.Cert)}
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
	WriteJSON(w, http.StatusOK, v)
	return nil
}

// CareerEntry is one transaction in an address's listing.
type CareerEntry struct {
	TxID   string      `json:"txid"`
	Type   string      `json:"type"`
	Height uint64      `json:"height"`
	Index  uint32      `json:"index"`
	Record *RecordView `json:"record,omitempty"`
}

// CareerPage is the answer to GET /api/v1/address/{addr}/careers.
type CareerPage struct {
	Address string        `json:"address"`
	Items   []CareerEntry `json:"items"`
	Next    string        `json:"next,omitempty"` // pass as ?after= for the next page
}

const (
	defaultPage = 50
	maxPage     = 1000
)

func (n *Node) getCareers(w http.ResponseWriter, r *http.Request) error {
	addr, err := chain.ParseAddress(chi.URLParam(r, "addr"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := defaultPage
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxPage {
			return badRequest("bad_limit", "limit %q must be an integer in 1..%d", clip(s), maxPage)
		}
	}
	var afterID [32]byte
	after := q.Get("after") != ""
	if after {
		if afterID, err = parseTxID(q.Get("after")); err != nil {
			return err
		}
	}
	page := CareerPage{Address: addr, Items: []CareerEntry{}}
	err = n.readLedger(func(t *ledger.Tx) error {
		var h uint64
		var i uint32
		if after {
			loc, ok := t.TxLoc(afterID)
			if !ok {
				return badRequest("bad_cursor", "after=%x is not a transaction on chain", afterID)
			}
			h, i = loc.Height, loc.Index
		}
		entries, more := t.AddressTxs(addr, after, h, i, limit)
		for _, e := range entries {
			ce := CareerEntry{TxID: hex.EncodeToString(e.TxID[:]), Type: kindName(e.Kind), Height: e.Height, Index: e.Index}
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
	WriteJSON(w, http.StatusOK, page)
	return nil
}

// BlockView is the answer to GET /api/v1/blocks/{height}.
type BlockView struct {
	Header      BlockHeader       `json:"header"`
	Txs         []json.RawMessage `json:"txs"`
	Results     []ResultJSON      `json:"results"`
	Certificate CertificateJSON   `json:"certificate"`
	CommitTime  int64             `json:"commit_time"` // this replica's clock, Unix ms
}

// ResultJSON is one transaction's execution result.
type ResultJSON struct {
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
}

// RawBlock is the answer to GET /api/v1/blocks/{height}?raw=1: the block
// and certificate in pbft's wire encoding (base64 in JSON), for state
// transfer and offline verification.
type RawBlock struct {
	Height      uint64 `json:"height"`
	Block       []byte `json:"block"`
	Certificate []byte `json:"certificate"`
}

func (n *Node) getBlock(w http.ResponseWriter, r *http.Request) error {
	s := chi.URLParam(r, "height")
	h, err := strconv.ParseUint(s, 10, 64)
	if err != nil || h == 0 {
		return badRequest("bad_height", "height %q must be a positive integer", clip(s))
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
		WriteJSON(w, http.StatusOK, RawBlock{Height: h, Block: pbft.EncodeBlock(br.Block), Certificate: pbft.EncodeCertificate(br.Cert)})
		return nil
	}
	v := BlockView{Header: headerOf(br), Txs: make([]json.RawMessage, len(br.Block.Txs)), Certificate: certOf(br.Cert), CommitTime: br.CommitTime}
	for i, tx := range br.Block.Txs {
		if json.Valid(tx) {
			v.Txs[i] = tx
		} else {
			v.Txs[i] = json.RawMessage(strconv.Quote(base64.StdEncoding.EncodeToString(tx)))
		}
		v.Results = append(v.Results, ResultJSON{Result: br.Results[i].Code.String(), Reason: br.Results[i].Reason})
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}

// Status is the answer to GET /api/v1/status.
type Status struct {
	ID             uint64         `json:"id"`
	ChainID        string         `json:"chain_id"`
	View           uint64         `json:"view"`
	Leader         uint64         `json:"leader"`
	Height         uint64         `json:"height"`
	StableSeq      uint64         `json:"stable_seq"`
	InViewChange   bool           `json:"in_view_change"`
	Pending        int            `json:"pending"`
	Epoch          uint64         `json:"epoch"`
	Members        []StatusMember `json:"members"`
	PeersConnected int            `json:"peers_connected"`
}

// StatusMember is one member of the membership in force.
type StatusMember struct {
	ID        uint64 `json:"id"`
	Addr      string `json:"addr"`
	API       string `json:"api"`
	Connected bool   `json:"connected"`
}

// Status returns a snapshot of the replica's state.
func (n *Node) Status() Status {
	s := *n.status.Load()
	s.Members = append([]StatusMember(nil), s.Members...)
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
	WriteJSON(w, http.StatusOK, n.Status())
	return nil
}
