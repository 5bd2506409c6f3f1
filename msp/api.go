package msp

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
)

// The MSP's HTTP API (wire types in sdk/client). Handlers return errors;
// httpkit's Responder answers them through the one error table and logs
// every refusal with its reason.
//
//	POST /api/v1/join            a node asks to join (client.JoinRequest) → 202 client.JoinAnswer
//	GET  /api/v1/join/{id}       where that node stands → client.JoinAnswer
//	GET  /api/v1/status          the address book and the chain's state → MSPStatus
//	POST /api/v1/admin/leader    {"id":N}: swap the leader (operator-signed)
//	POST /api/v1/admin/remove    {"id":N}: remove a member, or drop a standby
//	POST /api/v1/admin/promote   {"id":N}: make a standby a member
//	GET  /healthz                alive
//	GET  /readyz                 polled the chain lately and a quorum answered → client.Readiness (503 if not)
//	GET  /metrics                Prometheus exposition (ops.go)

const maxBody = 64 << 10

func (s *Service) newAPI() http.Handler {
	h := s.responder.Handle
	hm := s.newMetrics()
	r := chi.NewRouter()
	r.Use(httpkit.Recover(s.log), httpkit.RequestID(nil), httpkit.AccessLog(s.log, httpkit.AccessLogOptions{Now: s.cfg.Now}), hm.Middleware,
		httpkit.LimitBody(maxBody, s.responder))
	r.Get("/healthz", h(func(w http.ResponseWriter, r *http.Request) error {
		httpkit.WriteJSON(w, http.StatusOK, client.Health{Status: "ok"})
		return nil
	}))
	r.Get("/readyz", h(s.readyz))
	r.Method(http.MethodGet, "/metrics", hm.Handler())
	r.Route("/api/v1", func(r chi.Router) {
		r.Post("/join", h(s.postJoin))
		r.Get("/join/{id}", h(s.getJoin))
		r.Get("/status", h(s.getStatus))
		r.Post("/admin/{action}", h(s.postAdmin))
	})
	r.NotFound(h(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("%w: no such endpoint %s", ErrNotFound, r.URL.Path)
	}))
	return r
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return httpkit.ReadBody(w, r, maxBody)
}

func strictDecode(b []byte, v any) error {
	if err := httpkit.Strict(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

func (s *Service) postJoin(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req client.JoinRequest
	if err := strictDecode(body, &req); err != nil {
		return err
	}
	now := s.cfg.Now()
	if err := verifyJoin(&req, joinCheck{chainID: s.cfg.Genesis.ChainID, difficulty: s.cfg.difficulty(), operators: s.operators, now: now}); err != nil {
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
	state := client.StatePending
	if s.cfg.TargetMembers > 0 {
		recs, err := s.st.nodes()
		if err != nil {
			return err
		}
		size := 0
		for _, r := range recs {
			if r.State == client.StatePending || (r.State == client.StateMember && cur.Has(r.ID)) {
				size++
			}
		}
		if size >= s.cfg.TargetMembers {
			state = client.StateStandby
		}
	}
	rec, err := s.st.admit(client.NodeRecord{SignKey: req.SignKey, NetKey: req.NetKey, Addr: req.Addr, API: req.API, State: state, Admitted: now}, digest, minID)
	if err != nil {
		return err
	}
	s.log.Info("join accepted", "node", rec.ID, "state", state, "addr", req.Addr, "api", req.API, "operator", req.Credential.Operator)
	s.poke()
	httpkit.WriteJSON(w, http.StatusAccepted, client.JoinAnswer{ID: rec.ID, State: state, ChainID: s.cfg.Genesis.ChainID,
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
			httpkit.WriteJSON(w, http.StatusOK, client.JoinAnswer{ID: id, State: rec.State, ChainID: s.cfg.Genesis.ChainID, Note: rec.Note})
			return nil
		}
	}
	return fmt.Errorf("%w: no node %d", ErrNotFound, id)
}

// Status returns the MSP's view: the committed membership with liveness,
// standbys, pending joins, leader, view, height and history.
func (s *Service) Status() (client.MSPStatus, error) {
	recs, err := s.st.nodes()
	if err != nil {
		return client.MSPStatus{}, err
	}
	s.mu.Lock()
	v := s.view
	v.history = slices.Clone(v.history)
	s.mu.Unlock()
	cur := v.current()
	st := client.MSPStatus{ChainID: s.cfg.Genesis.ChainID, Epoch: cur.Epoch, N: cur.N(), F: cur.F(), Leader: v.leader, View: v.view,
		InViewChange: v.inVC, Height: v.height, LastPoll: v.lastPoll, AutoRemoved: s.st.autoRemoved(),
		Members: []client.MSPMember{}, Standbys: []client.NodeRecord{}, Pending: []client.NodeRecord{}, Removed: []client.NodeRecord{}}
	for _, r := range recs {
		switch {
		case cur.Has(r.ID):
			st.Members = append(st.Members, client.MSPMember{NodeRecord: r, Up: r.Misses == 0 && !r.LastSeen.IsZero()})
		case r.State == client.StateStandby:
			st.Standbys = append(st.Standbys, r)
		case r.State == client.StatePending:
			st.Pending = append(st.Pending, r)
		case r.State == client.StateRemoved:
			st.Removed = append(st.Removed, r)
		}
	}
	var prev *pbft.Membership
	for _, e := range v.history {
		h := client.HistoryEntry{Epoch: e.Membership.Epoch, From: e.From, N: e.Membership.N()}
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
		st.InFlight = &client.InFlight{Epoch: f.Epoch, TxID: f.TxID, Added: f.Added, Removed: f.Removed, Reason: f.Reason}
	}
	return st, nil
}

func (s *Service) getStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Status()
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, st)
	return nil
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
	var req client.AdminRequest
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
		httpkit.WriteJSON(w, http.StatusOK, client.AdminAnswer{Action: action, ID: req.ID, Status: "committed", Height: res.Height})
		return nil
	case "remove", "promote":
		if err := s.do(r.Context(), action, req.ID); err != nil {
			return err
		}
		httpkit.WriteJSON(w, http.StatusOK, client.AdminAnswer{Action: action, ID: req.ID, Status: "committed"})
		return nil
	}
	return fmt.Errorf("%w: no admin action %q (leader, remove, promote)", ErrNotFound, clip(action))
}
