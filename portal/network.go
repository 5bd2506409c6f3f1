package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/careerchain/careerchain/sdk/client"
)

// This file is the network picture: the replicas, the MSP's address book
// and membership history, and the commit rate, sent to the page by
// server-sent events; and the operator controls for portal admins, which
// call the MSP's admin API signed with Options.OperatorKey.

// Errors of the network page.
var (
	ErrNoNetwork = errors.New("portal: the network picture is not configured")
	ErrNotAdmin  = errors.New("portal: only an admin may do this")
)

// netReplica is one replica as the page shows it.
type netReplica struct {
	ID        uint64   `json:"id"`
	API       string   `json:"api"`
	Up        bool     `json:"up"`
	Leader    bool     `json:"leader"`
	Height    uint64   `json:"height"`
	View      uint64   `json:"view"`
	Lag       uint64   `json:"lag"`
	Peers     int      `json:"peers"`
	Links     []uint64 `json:"links"` // members it is connected to
	ViewChg   bool     `json:"view_change"`
	LastError string   `json:"error,omitempty"`
}

// netSnapshot is one picture of the network.
type netSnapshot struct {
	At       int64                 `json:"at"` // Unix ms
	ChainID  string                `json:"chain_id"`
	Leader   uint64                `json:"leader"`
	View     uint64                `json:"view"`
	Height   uint64                `json:"height"`
	Epoch    uint64                `json:"epoch"`
	Replicas []netReplica          `json:"replicas"`
	Standbys []client.NodeRecord   `json:"standbys"`
	Pending  []client.NodeRecord   `json:"pending"`
	History  []client.HistoryEntry `json:"history"`
	InFlight *client.InFlight      `json:"in_flight,omitempty"`
	Rate     []float64             `json:"rate"` // commits (blocks) per second, oldest first, one per sample
	Error    string                `json:"error,omitempty"`
}

// snapshot asks the MSP for its book and each member for its status.
func (s *Server) snapshot(ctx context.Context) netSnapshot {
	snap := netSnapshot{At: s.o.Now().UnixMilli()}
	msp, err := client.New(s.o.MSP, client.Options{HTTPClient: s.o.HTTPClient, Timeout: 3 * time.Second, Retries: -1})
	if err != nil {
		snap.Error = err.Error()
		return snap
	}
	st, err := msp.MSPStatus(ctx)
	if err != nil {
		snap.Error = fmt.Sprintf("the membership service does not answer: %v", err)
		return snap
	}
	snap.ChainID, snap.Leader, snap.View, snap.Height, snap.Epoch = st.ChainID, st.Leader, st.View, st.Height, st.Epoch
	snap.Standbys, snap.Pending, snap.History, snap.InFlight = st.Standbys, st.Pending, st.History, st.InFlight
	snap.Replicas = make([]netReplica, len(st.Members))
	var wg sync.WaitGroup
	for i, m := range st.Members {
		snap.Replicas[i] = netReplica{ID: m.ID, API: m.API, Leader: m.ID == st.Leader}
		if m.API == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &snap.Replicas[i]
			c, err := client.New(m.API, client.Options{HTTPClient: s.o.HTTPClient, Timeout: 2 * time.Second, Retries: -1})
			if err != nil {
				r.LastError = err.Error()
				return
			}
			rs, err := c.Status(ctx)
			if err != nil {
				r.LastError = "does not answer"
				return
			}
			r.Up, r.Height, r.View, r.Peers, r.ViewChg = true, rs.Height, rs.View, rs.PeersConnected, rs.InViewChange
			for _, pm := range rs.Members {
				if pm.Connected {
					r.Links = append(r.Links, pm.ID)
				}
			}
		}()
	}
	wg.Wait()
	var top uint64
	for _, r := range snap.Replicas {
		top = max(top, r.Height)
	}
	for i := range snap.Replicas {
		if snap.Replicas[i].Up {
			snap.Replicas[i].Lag = top - snap.Replicas[i].Height
		}
	}
	snap.Height = max(snap.Height, top)
	return snap
}

type networkData struct {
	Configured bool
	Controls   bool // an admin, and the portal holds an operator key
	Pending    string
}

func (s *Server) networkPage(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	d := networkData{Configured: s.o.MSP != "", Controls: u != nil && u.admin && s.o.OperatorKey != nil, Pending: r.URL.Query().Get("action")}
	s.render(w, r, http.StatusOK, "network", d)
	return nil
}

// rateWindow is how many samples of the commit rate the page keeps: five
// minutes at one sample every two seconds.
const (
	rateWindow   = 150
	snapInterval = 2 * time.Second
)

// networkEvents streams a snapshot every two seconds as a server-sent
// event "snapshot" until the browser goes away. The commit rate is
// computed from the heights this stream has seen.
func (s *Server) networkEvents(w http.ResponseWriter, r *http.Request) error {
	if s.o.MSP == "" {
		return userErr(ErrNoNetwork, "net.unconfigured")
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		return errors.New("portal: the connection cannot stream events")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	type sample struct {
		at     time.Time
		height uint64
	}
	var samples []sample
	var rates []float64
	rc := http.NewResponseController(w)
	for {
		snap := s.snapshot(r.Context())
		now := time.Now()
		if snap.Error == "" {
			if n := len(samples); n > 0 && snap.Height >= samples[n-1].height {
				dt := now.Sub(samples[n-1].at).Seconds()
				if dt > 0 {
					rates = append(rates, float64(snap.Height-samples[n-1].height)/dt)
				}
			}
			samples = append(samples, sample{now, snap.Height})
			if len(samples) > 2 {
				samples = samples[len(samples)-2:]
			}
			if len(rates) > rateWindow {
				rates = rates[len(rates)-rateWindow:]
			}
		}
		snap.Rate = rates
		b, _ := json.Marshal(snap)
		rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", b); err != nil {
			return nil
		}
		fl.Flush()
		select {
		case <-r.Context().Done():
			return nil
		case <-time.After(snapInterval):
		}
	}
}

// networkAdmin runs one operator action (swap leader, remove node,
// promote standby) for a portal admin: POST with the CSRF token, the
// action and the node id, after the page asked the admin to confirm. It
// sends the browser back to the page, which follows the action until the
// chain reflects it.
func (s *Server) networkAdmin(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	if !u.admin {
		return userErr(ErrNotAdmin, "net.notadmin")
	}
	if s.o.MSP == "" || s.o.OperatorKey == nil {
		return userErr(ErrNoNetwork, "net.nokey")
	}
	action := r.PostFormValue("action")
	switch action {
	case client.ActionLeader, client.ActionRemove, client.ActionPromote:
	default:
		return userErr(ErrBadForm, "net.badaction")
	}
	id, err := strconv.ParseUint(r.PostFormValue("id"), 10, 64)
	if err != nil || id == 0 {
		return userErr(ErrBadForm, "net.badaction")
	}
	msp, err := client.New(s.o.MSP, client.Options{HTTPClient: s.o.HTTPClient, Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	if _, err := msp.Admin(r.Context(), s.o.OperatorKey, action, id); err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return userErr(ErrBadForm, "net.refused", "reason", ce.Message)
		}
		return fmt.Errorf("%w: the membership service: %v", ErrChainDown, err)
	}
	s.o.Logger.Info("portal: operator action", "action", action, "id", id, "admin", u.account.ID)
	http.Redirect(w, r, "/network?action="+action+":"+strconv.FormatUint(id, 10), http.StatusSeeOther)
	return nil
}
