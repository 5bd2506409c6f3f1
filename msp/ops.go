package msp

import (
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/client"
)

// newMetrics is the MSP's registry: request latency by route, the Go and
// process collectors, and the chain as the MSP last polled it.
func (s *Service) newMetrics() *httpkit.Metrics {
	hm := httpkit.NewMetrics("careerchain_msp")
	status := func(f func(st *client.MSPStatus) float64) func() float64 {
		return func() float64 {
			st, err := s.Status()
			if err != nil {
				return 0
			}
			return f(&st)
		}
	}
	gauge := func(name, help string, f func() float64) {
		hm.Registry().MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	gauge("careerchain_msp_chain_height", "The chain's height at the MSP's last poll.", status(func(st *client.MSPStatus) float64 { return float64(st.Height) }))
	gauge("careerchain_msp_members", "Members of the membership in force.", status(func(st *client.MSPStatus) float64 { return float64(len(st.Members)) }))
	gauge("careerchain_msp_members_up", "Members that answered the MSP's last poll.", status(func(st *client.MSPStatus) float64 {
		return float64(membersUp(st))
	}))
	gauge("careerchain_msp_standbys", "Standby nodes.", status(func(st *client.MSPStatus) float64 { return float64(len(st.Standbys)) }))
	gauge("careerchain_msp_last_poll_age_seconds", "Seconds since the MSP last polled the chain.", status(func(st *client.MSPStatus) float64 {
		if st.LastPoll.IsZero() {
			return 0
		}
		return s.cfg.Now().Sub(st.LastPoll).Seconds()
	}))
	return hm
}

func membersUp(st *client.MSPStatus) int {
	up := 0
	for _, m := range st.Members {
		if m.Up {
			up++
		}
	}
	return up
}

// readyz answers 200 when the MSP has polled the chain recently (within
// three poll intervals) and a quorum of the members answered it, not in a
// view change; otherwise 503 with every reason.
func (s *Service) readyz(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Status()
	if err != nil {
		return err
	}
	rd := client.Readiness{Height: st.Height, Connected: membersUp(&st), Quorum: (st.N+st.F)/2 + 1}
	stale := 3 * s.cfg.PollInterval
	switch {
	case st.LastPoll.IsZero():
		rd.Reasons = append(rd.Reasons, "the MSP has not polled the chain yet")
	case s.cfg.Now().Sub(st.LastPoll) > stale:
		rd.Reasons = append(rd.Reasons, fmt.Sprintf("the chain's status is stale: last poll %s ago (more than %s)",
			s.cfg.Now().Sub(st.LastPoll).Round(time.Millisecond), stale))
	}
	if rd.Connected < rd.Quorum {
		rd.Reasons = append(rd.Reasons, fmt.Sprintf("quorum unreachable: %d of the %d members answered, %d needed", rd.Connected, st.N, rd.Quorum))
	}
	if st.InViewChange {
		rd.Reasons = append(rd.Reasons, "the chain is in a view change")
	}
	httpkit.WriteReadiness(w, rd)
	return nil
}
