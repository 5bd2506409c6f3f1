package msp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/pbft"
)

// The MSP's HTTP API. Handlers return errors; writeError maps sentinels to
// statuses through one table and logs every refusal with its reason.
//
//	POST /api/v1/join            a node asks to join (JoinRequest) → 202 JoinAnswer
//	GET  /api/v1/join/{id}       where that node stands → JoinAnswer
//	GET  /api/v1/status          the address book and the chain's state → Status
//	POST /api/v1/admin/leader    {"id":N}: swap the leader (operator-signed)
//	POST /api/v1/admin/remove    {"id":N}: remove a member, or drop a standby
//	POST /api/v1/admin/promote   {"id":N}: make a standby a member
//	GET  /healthz

const maxBody = 64 << 10

var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{ErrMalformed, http.StatusBadRequest, "malformed"},
	{httpkit.ErrBodyCut, http.StatusBadRequest, "body_cut"},
	{httpkit.ErrBodyTimeout, http.StatusRequestTimeout, "body_timeout"},
	{httpkit.ErrBodyTooLarge, http.StatusRequestEntityTooLarge, "too_large"},
	{ErrStale, http.StatusBadRequest, "stale"},
	{ErrPoW, http.StatusBadRequest, "pow"},
	{ErrBadSignature, http.StatusUnauthorized, "bad_signature"},
	{ErrBadCredential, http.StatusUnauthorized, "bad_credential"},
	{ErrUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{ErrReplay, http.StatusConflict, "replay"},
	{ErrConflict, http.StatusConflict, "conflict"},
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrRefused, http.StatusForbidden, "refused"},
	{ErrRejected, http.StatusUnprocessableEntity, "rejected"},
	{ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{ErrClosed, http.StatusServiceUnavailable, "unavailable"},
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away while it waited: nobody reads an answer,
		// and nothing failed here.
		s.log.Debug("api: client went away", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		return
	}
	status, code, msg := http.StatusInternalServerError, "internal", "internal error"
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			status, code, msg = e.status, e.code, err.Error()
			break
		}
	}
	if status >= 500 && code == "internal" {
		s.log.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.log.Warn("api: refused", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "status", status, "reason", err)
	}
	node.WriteJSON(w, status, map[string]string{"error": msg, "code": code})
}

func (s *Service) adapt(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("api: panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				node.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "code": "internal"})
			}
		}()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}

func (s *Service) newAPI() http.Handler {
	r := chi.NewRouter()
	r.Get("/healthz", s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		node.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	}))
	r.Route("/api/v1", func(r chi.Router) {
		r.Post("/join", s.adapt(s.postJoin))
		r.Get("/join/{id}", s.adapt(s.getJoin))
		r.Get("/status", s.adapt(s.getStatus))
		r.Post("/admin/{action}", s.adapt(s.postAdmin))
	})
	r.NotFound(s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%w: no such endpoint %s", ErrNotFound, r.URL.Path)
	}))
	return r
}

// JoinAnswer tells a node where its join stands.
type JoinAnswer struct {
	ID      uint64 `json:"id"`
	State   string `json:"state"` // pending, standby, member or removed
	ChainID string `json:"chain_id"`
	Note    string `json:"note,omitempty"`
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return httpkit.ReadBody(w, r, maxBody)
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrMalformed)
	}
	return nil
}

func (s *Service) postJoin(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req JoinRequest
	if err := strictDecode(body, &req); err != nil {
		return err
	}
	now := s.cfg.Now()
	if err := req.verify(joinCheck{chainID: s.cfg.Genesis.ChainID, difficulty: s.cfg.difficulty(), operators: s.operators, now: now}); err != nil {
		return err
	}
	digest, err := req.Digest()
	if err != nil {
		return err
	}
	s.mu.Lock()
	hist := slices.Clone(s.view.history)
	s.mu.Unlock()
	var minID uint64
	for _, e := range hist {
		for _, m := range e.Membership.Members {
			minID = max(minID, m.ID+1)
		}
	}
	cur := hist[len(hist)-1].Membership
	for _, m := range cur.Members {
		if fmt.Sprintf("%x", m.SignKey) == req.SignKey || fmt.Sprintf("%x", m.NetKey) == req.NetKey {
			return fmt.Errorf("%w: a key of this request belongs to member %d", ErrConflict, m.ID)
		}
	}
	state := StatePending
	if s.cfg.TargetMembers > 0 {
		recs, err := s.st.nodes()
		if err != nil {
			return err
		}
		size := 0
		for _, r := range recs {
			if r.State == StatePending || (r.State == StateMember && cur.Has(r.ID)) {
				size++
			}
		}
		if size >= s.cfg.TargetMembers {
			state = StateStandby
		}
	}
	rec, err := s.st.admit(NodeRecord{SignKey: req.SignKey, NetKey: req.NetKey, Addr: req.Addr, API: req.API, State: state, Admitted: now}, digest, minID)
	if err != nil {
		return err
	}
	s.log.Info("join accepted", "node", rec.ID, "state", state, "addr", req.Addr, "api", req.API, "operator", req.Credential.Operator)
	s.poke()
	node.WriteJSON(w, http.StatusAccepted, JoinAnswer{ID: rec.ID, State: state, ChainID: s.cfg.Genesis.ChainID,
		Note: "start the replica with this ID as a learner; it becomes a member once the membership change commits"})
	return nil
}

func (s *Service) getJoin(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not a node ID", ErrMalformed, clip(chi.URLParam(r, "id")))
	}
	recs, err := s.st.nodes()
	if err != nil {
		return err
	}
	for _, rec := range recs {
		if rec.ID == id {
			node.WriteJSON(w, http.StatusOK, JoinAnswer{ID: id, State: rec.State, ChainID: s.cfg.Genesis.ChainID, Note: rec.Note})
			return nil
		}
	}
	return fmt.Errorf("%w: no node %d", ErrNotFound, id)
}

// Status is the answer to GET /api/v1/status.
type Status struct {
	ChainID      string         `json:"chain_id"`
	Epoch        uint64         `json:"epoch"`
	N            int            `json:"n"`
	F            int            `json:"f"`
	Leader       uint64         `json:"leader"`
	View         uint64         `json:"view"`
	InViewChange bool           `json:"in_view_change"`
	Height       uint64         `json:"height"`
	LastPoll     time.Time      `json:"last_poll,omitzero"`
	Members      []MemberStatus `json:"members"`
	Standbys     []NodeRecord   `json:"standbys"`
	Pending      []NodeRecord   `json:"pending"`
	Removed      []NodeRecord   `json:"removed"`
	History      []HistoryEntry `json:"history"`
	InFlight     *InFlight      `json:"in_flight,omitempty"`
	AutoRemoved  uint64         `json:"auto_removed"` // automatic removals not yet confirmed by an operator
}

// MemberStatus is one member of the committed membership.
type MemberStatus struct {
	NodeRecord
	Up bool `json:"up"`
}

// HistoryEntry is one membership change committed on chain.
type HistoryEntry struct {
	Epoch   uint64   `json:"epoch"`
	From    uint64   `json:"from"` // first height the membership is in force
	N       int      `json:"n"`
	Added   []uint64 `json:"added,omitempty"`
	Removed []uint64 `json:"removed,omitempty"`
}

// InFlight is the membership change being committed.
type InFlight struct {
	Epoch   uint64   `json:"epoch"`
	TxID    string   `json:"txid"`
	Added   []uint64 `json:"added,omitempty"`
	Removed []uint64 `json:"removed,omitempty"`
	Reason  string   `json:"reason"`
}

// Status returns the MSP's view: the committed membership with liveness,
// standbys, pending joins, leader, view, height and history.
func (s *Service) Status() (Status, error) {
	recs, err := s.st.nodes()
	if err != nil {
		return Status{}, err
	}
	s.mu.Lock()
	v := s.view
	v.history = slices.Clone(v.history)
	s.mu.Unlock()
	cur := v.current()
	st := Status{ChainID: s.cfg.Genesis.ChainID, Epoch: cur.Epoch, N: cur.N(), F: cur.F(), Leader: v.leader, View: v.view,
		InViewChange: v.inVC, Height: v.height, LastPoll: v.lastPoll, AutoRemoved: s.st.autoRemoved(),
		Members: []MemberStatus{}, Standbys: []NodeRecord{}, Pending: []NodeRecord{}, Removed: []NodeRecord{}}
	for _, r := range recs {
		switch {
		case cur.Has(r.ID):
			st.Members = append(st.Members, MemberStatus{NodeRecord: r, Up: r.Misses == 0 && !r.LastSeen.IsZero()})
		case r.State == StateStandby:
			st.Standbys = append(st.Standbys, r)
		case r.State == StatePending:
			st.Pending = append(st.Pending, r)
		case r.State == StateRemoved:
			st.Removed = append(st.Removed, r)
		}
	}
	var prev *pbft.Membership
	for _, e := range v.history {
		h := HistoryEntry{Epoch: e.Membership.Epoch, From: e.From, N: e.Membership.N()}
		for _, m := range e.Membership.Members {
			if prev == nil || !prev.Has(m.ID) {
				h.Added = append(h.Added, m.ID)
			}
		}
		if prev != nil {
			for _, m := range prev.Members {
				if !e.Membership.Has(m.ID) {
					h.Removed = append(h.Removed, m.ID)
				}
			}
		}
		st.History = append(st.History, h)
		prev = e.Membership
	}
	if f, err := s.st.getInflight(); err == nil && f != nil {
		st.InFlight = &InFlight{Epoch: f.Epoch, TxID: f.TxID, Added: f.Added, Removed: f.Removed, Reason: f.Reason}
	}
	return st, nil
}

func (s *Service) getStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Status()
	if err != nil {
		return err
	}
	node.WriteJSON(w, http.StatusOK, st)
	return nil
}

// AdminRequest is the body of every admin call.
type AdminRequest struct {
	ID uint64 `json:"id"`
}

// AdminAnswer is the answer to an admin call.
type AdminAnswer struct {
	Action string `json:"action"`
	ID     uint64 `json:"id"`
	Status string `json:"status"`
	Height uint64 `json:"height,omitempty"`
}

func (s *Service) postAdmin(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	replayKey, op, err := adminAuth(r, body, s.operators, now)
	if err != nil {
		return err
	}
	if err := s.st.useAdminSig(replayKey, now); err != nil {
		return err
	}
	action := chi.URLParam(r, "action")
	var req AdminRequest
	if err := strictDecode(body, &req); err != nil {
		return err
	}
	if req.ID == 0 {
		return fmt.Errorf("%w: id must be a node ID", ErrMalformed)
	}
	s.log.Info("admin call", "action", action, "node", req.ID, "operator", op)
	switch action {
	case "leader":
		res, err := s.swapLeader(r.Context(), req.ID)
		if err != nil {
			return err
		}
		node.WriteJSON(w, http.StatusOK, AdminAnswer{Action: action, ID: req.ID, Status: "committed", Height: res.Height})
		return nil
	case "remove", "promote":
		if err := s.do(r.Context(), action, req.ID); err != nil {
			return err
		}
		node.WriteJSON(w, http.StatusOK, AdminAnswer{Action: action, ID: req.ID, Status: "committed"})
		return nil
	}
	return fmt.Errorf("%w: no admin action %q (leader, remove, promote)", ErrNotFound, clip(action))
}
