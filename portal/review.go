package portal

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// requireAdmin returns the logged-in admin; every review action is
// authorised here, on the server.
func requireAdmin(r *http.Request) (*user, error) {
	u, err := requireUser(r)
	if err != nil {
		return nil, err
	}
	if !u.admin {
		return nil, userErr(ErrForbidden, "err.admin.body")
	}
	return u, nil
}

// queueItem is one row of the review queue.
type queueItem struct {
	C        store.Claim
	Email    string
	Waiting  string // since payment, in words
	Provider string
}

// reviewQueue lists the paid claims, oldest first, optionally filtered by
// text (role, organisation, holder, e-mail) and provider.
func (s *Server) reviewQueue(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireAdmin(r); err != nil {
		return err
	}
	q := r.URL.Query()
	text, prov, state := strings.ToLower(strings.TrimSpace(q.Get("q"))), q.Get("provider"), q.Get("state")
	states := []string{store.StatePaid}
	switch state {
	case "done":
		states = []string{store.StateApproved, store.StateCommitted, store.StateFailed, store.StateRejecting, store.StateRejected}
	default:
		state = "waiting"
	}
	cs, err := s.o.Store.ClaimsIn(r.Context(), states...)
	if err != nil {
		return err
	}
	var items []queueItem
	for _, c := range cs {
		a, _ := s.o.Store.Account(r.Context(), c.AccountID)
		it := queueItem{C: c, Email: a.Email, Waiting: since(pickLang(r), s.o.Now().Sub(c.Paid))}
		if c.Payment != nil {
			it.Provider = c.Payment.Provider
		}
		cl := c.Statement.Claim
		hay := strings.ToLower(strings.Join([]string{cl.Role, cl.Organisation, c.Statement.Holder, a.Email}, "\n"))
		if (text == "" || strings.Contains(hay, text)) && (prov == "" || prov == it.Provider) {
			items = append(items, it)
		}
	}
	var provs []string
	for _, p := range s.o.Claims.Providers {
		provs = append(provs, p.Name())
	}
	s.render(w, r, http.StatusOK, "review", struct {
		Items     []queueItem
		Q, State  string
		Provider  string
		Providers []string
	}{items, q.Get("q"), state, prov, provs})
	return nil
}

func since(lang string, d time.Duration) string {
	h := int(d.Hours())
	m := int(d.Minutes()) % 60
	if lang == "ko" {
		if h > 0 {
			return itoa(h) + "시간 " + itoa(m) + "분"
		}
		return itoa(m) + "분"
	}
	if h > 0 {
		return itoa(h) + " h " + itoa(m) + " min"
	}
	return itoa(m) + " min"
}

func itoa(n int) string { return groupDigits(int64(n)) }

// scoreFact is one thing about a claim the authenticity score reads.
type scoreFact struct{ Key, Value string }

// scoreFacts lists the claim's facts that the authenticity scorer's
// model takes as features (plugins/internal/authscore), so the admin sees
// what the score rests on.
func scoreFacts(c chain.Claim, now time.Time) []scoreFact {
	yes := func(b bool) string {
		if b {
			return "✓"
		}
		return "—"
	}
	months := "?"
	if st, err := time.Parse(time.DateOnly, c.Start); err == nil {
		end := now
		if e, err := time.Parse(time.DateOnly, c.End); err == nil {
			end = e
		}
		months = itoa((end.Year()-st.Year())*12 + int(end.Month()) - int(st.Month()))
	}
	upper, letters := 0, 0
	for _, r := range c.Description {
		if r >= 'A' && r <= 'Z' {
			upper++
		}
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			letters++
		}
	}
	caps := "0 %"
	if letters > 0 {
		caps = itoa(100*upper/letters) + " %"
	}
	return []scoreFact{
		{"review.fact.evidence", itoa(len(c.Evidence))},
		{"review.fact.description", itoa(utf8.RuneCountInString(c.Description))},
		{"review.fact.capitals", caps},
		{"review.fact.skills", itoa(len(c.Skills))},
		{"review.fact.months", months},
		{"review.fact.ongoing", yes(c.End == "")},
	}
}

// reviewView is the page of one claim under review.
type reviewView struct {
	C        store.Claim
	Claim    chain.Claim
	Email    string
	Verdicts []verdict
	Score    string
	Facts    []scoreFact
	Fee      string
	Own      bool // the admin's own claim: someone else must review it
	Refresh  bool
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireAdmin(r)
	if err != nil {
		return err
	}
	c, err := s.o.Store.Claim(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.State == store.StateDraft) {
		return userErr(ErrNotFound, "err.claim.notfound")
	}
	if err != nil {
		return err
	}
	a, _ := s.o.Store.Account(r.Context(), c.AccountID)
	d := reviewView{C: c, Claim: c.Statement.Claim, Email: a.Email, Facts: scoreFacts(c.Statement.Claim, s.o.Now()),
		Own: c.AccountID == u.account.ID, Refresh: c.State == store.StateApproved || c.State == store.StateRejecting}
	if c.Receipt != nil {
		d.Fee = formatMoney(c.Receipt.Amount, c.Receipt.Currency)
	}
	if c.State == store.StatePaid {
		d.Verdicts, _ = s.check(r.Context(), pickLang(r), c, nil)
		for _, v := range d.Verdicts {
			if v.Kind == "scorer" {
				d.Score = v.Score
			}
		}
	}
	s.render(w, r, http.StatusOK, "reviewclaim", d)
	return nil
}

// reviewTarget loads the claim an admin acts on.
func (s *Server) reviewTarget(r *http.Request) (*user, store.Claim, error) {
	u, err := s.checkPost(r)
	if err != nil {
		return nil, store.Claim{}, err
	}
	if !u.admin {
		return nil, store.Claim{}, userErr(ErrForbidden, "err.admin.body")
	}
	c, err := s.o.Store.Claim(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.Claim{}, userErr(ErrNotFound, "err.claim.notfound")
	}
	if err == nil && c.AccountID == u.account.ID {
		return nil, store.Claim{}, userErr(ErrForbidden, "err.admin.own")
	}
	return u, c, err
}

// approveClaim attests a paid claim and hands its transaction to the
// submitter. The transaction's bytes are stored before anything is sent,
// so every later attempt (a retry, a restart) sends the same TxID.
func (s *Server) approveClaim(w http.ResponseWriter, r *http.Request) error {
	u, c, err := s.reviewTarget(r)
	if err != nil {
		return err
	}
	back := func() error { http.Redirect(w, r, "/review/"+c.ID, http.StatusSeeOther); return nil }
	if c.State != store.StatePaid || c.Receipt == nil {
		return back() // decided already: a second click or another admin
	}
	co := s.o.Claims
	att, err := chain.Attest(co.AttesterKey, c.Statement, *c.Receipt, s.o.Now().Unix())
	if err != nil {
		return err
	}
	tx := chain.NewCareerTx(c.Statement, c.HolderSig, *c.Receipt, att)
	if err := chain.Mine(r.Context(), tx, co.PoWDifficulty); err != nil {
		return err
	}
	raw, err := chain.EncodeTx(tx)
	if err != nil {
		return err
	}
	_, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.State != store.StatePaid {
			return nil, nil, errPaidAlready
		}
		cur.Attestation, cur.Tx, cur.TxID = &att, raw, chain.TxID(tx)
		cur.Reviewer, cur.State = u.account.ID, store.StateApproved
		return nil, nil, nil
	})
	if err != nil && !errors.Is(err, errPaidAlready) {
		return err
	}
	if err == nil {
		s.o.Logger.Info("portal: claim approved", "claim", c.ID, "txid", chain.TxID(tx), "admin", u.account.ID)
		s.wake()
	}
	return back()
}

// rejectClaim records the reason and refunds the payment.
func (s *Server) rejectClaim(w http.ResponseWriter, r *http.Request) error {
	u, c, err := s.reviewTarget(r)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return userErr(ErrBadForm, "err.reject.reason")
	}
	_, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.State != store.StatePaid {
			return nil, nil, errPaidAlready
		}
		cur.Reason, cur.Reviewer, cur.State = reason, u.account.ID, store.StateRejecting
		return nil, nil, nil
	})
	if err != nil && !errors.Is(err, errPaidAlready) {
		return err
	}
	if err == nil {
		s.o.Logger.Info("portal: claim rejected", "claim", c.ID, "admin", u.account.ID)
		s.refund(r.Context(), c.ID)
	}
	http.Redirect(w, r, "/review/"+c.ID, http.StatusSeeOther)
	return nil
}

// refund returns a rejected claim's payment through its provider and
// moves it to rejected. A provider that cannot be reached leaves it in
// rejecting; Run tries again.
func (s *Server) refund(ctx context.Context, id string) {
	c, err := s.o.Store.Claim(ctx, id)
	if err != nil || c.State != store.StateRejecting {
		return
	}
	note := ""
	if p := c.Payment; p != nil && p.PaymentID != "" && !p.Refunded {
		prov := s.o.Claims.provider(p.Provider)
		if prov == nil {
			note = "provider " + p.Provider + " is no longer configured; refund by hand"
		} else {
			err := prov.Refund(ctx, s.orderOf(c), checkoutOf(p), payment.Paid{PaymentID: p.PaymentID, Amount: p.Amount, Currency: p.Currency})
			if err != nil {
				s.o.Logger.Warn("portal: refund failed; will retry", "claim", id, "err", err)
				return
			}
		}
	}
	_, err = s.o.Store.UpdateClaim(ctx, id, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.State != store.StateRejecting {
			return nil, nil, nil
		}
		if cur.Payment != nil && note == "" {
			cur.Payment.Refunded = true
		}
		cur.RefundNote, cur.State = note, store.StateRejected
		return nil, nil, nil
	})
	if err != nil {
		s.o.Logger.Error("portal: recording refund", "claim", id, "err", err)
	}
}
