package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// The payment steps. Each is idempotent by the claim's stored state and
// the order ID (the provider's idempotency key): a reload, a double click
// or a replayed webhook finds the step done and changes nothing.

func (s *Server) orderOf(c store.Claim) payment.Order {
	p := c.Payment
	return payment.Order{ID: p.OrderID, User: c.AccountID, Item: "Careerchain record: " + clip(c.Statement.Claim.Role),
		Amount: p.Amount, Currency: p.Currency, ReturnURL: s.o.PublicURL + "/careers/" + c.ID + "/paid?order=" + p.OrderID}
}

func checkoutOf(p *store.Payment) payment.Checkout {
	return payment.Checkout{Ref: p.Ref, RedirectURL: p.RedirectURL, MobileURL: p.MobileURL}
}

// payClaim begins (or resumes) the payment of a signed claim and sends the
// browser to the provider.
func (s *Server) payClaim(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	co := s.o.Claims
	prov := co.provider(r.PostForm.Get("provider"))
	if prov == nil {
		return userErr(ErrPayment, "err.pay.provider")
	}
	// Reserve the attempt: the same attempt for a second click, a new one
	// after a decline or cancel.
	c, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		switch cur.State {
		case store.StateSigned:
		case store.StatePaying:
			if cur.Payment.Failed == "" && cur.Payment.Provider == prov.Name() {
				return nil, nil, nil // the same checkout again
			}
		default:
			return nil, nil, errPaidAlready
		}
		n := 1
		if cur.Payment != nil {
			n = cur.Payment.Attempt + 1
		}
		cur.Payment = &store.Payment{Attempt: n, OrderID: fmt.Sprintf("%s-%d", cur.ID, n), Provider: prov.Name(),
			Amount: co.Fee, Currency: co.Currency, Begun: s.o.Now()}
		cur.State = store.StatePaying
		return nil, nil, nil
	})
	if errors.Is(err, errPaidAlready) {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	toCheckout := func() error {
		http.Redirect(w, r, "/careers/"+c.ID+"/checkout", http.StatusSeeOther)
		return nil
	}
	if c.Payment.RedirectURL != "" {
		return toCheckout()
	}
	ck, err := prov.Begin(r.Context(), s.orderOf(c))
	if err != nil {
		s.o.Logger.Warn("portal: payment begin", "claim", c.ID, "provider", prov.Name(), "err", err)
		return userErr(ErrPayment, "err.pay.unavailable")
	}
	order := c.Payment.OrderID
	c, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.Payment == nil || cur.Payment.OrderID != order {
			return nil, nil, errPaidAlready
		}
		cur.Payment.Ref, cur.Payment.RedirectURL, cur.Payment.MobileURL = ck.Ref, ck.RedirectURL, ck.MobileURL
		return nil, nil, nil
	})
	if errors.Is(err, errPaidAlready) {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	return toCheckout()
}

// checkoutPage sends the browser on to the provider's page. It is a page
// of its own (not a redirect from the pay form) because the
// Content-Security-Policy's form-action 'self' also covers the redirects
// that follow a form post: a link or a refresh from here is a new
// navigation.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	if c.State != store.StatePaying || c.Payment == nil || c.Payment.RedirectURL == "" || c.Payment.Failed != "" {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
		return nil
	}
	to := c.Payment.RedirectURL
	if c.Payment.MobileURL != "" && strings.Contains(r.UserAgent(), "Mobile") {
		to = c.Payment.MobileURL
	}
	s.render(w, r, http.StatusOK, "checkout", struct {
		C        store.Claim
		URL      string
		Provider string
		Fee      string
	}{c, to, c.Payment.Provider, s.fee()})
	return nil
}

var errPaidAlready = errors.New("portal: past the payment step")

// payReturn is where the provider sends the browser back. It asks the
// provider (never trusting the query alone) and records the outcome.
func (s *Server) payReturn(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	back := func() error { http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther); return nil }
	if c.State != store.StatePaying || c.Payment == nil || q.Get("order") != c.Payment.OrderID || c.Payment.Failed != "" {
		return back() // paid already, a stale attempt, or a reload: the claim page says where it stands
	}
	prov := s.o.Claims.provider(c.Payment.Provider)
	if prov == nil {
		return userErr(ErrPayment, "err.pay.provider")
	}
	paid, err := prov.Finish(r.Context(), s.orderOf(c), checkoutOf(c.Payment), q)
	switch {
	case err == nil:
		if err := s.markPaid(r.Context(), c.ID, c.Payment.OrderID, prov.Name(), paid); err != nil {
			return err
		}
		return back()
	case errors.Is(err, payment.ErrCanceled), errors.Is(err, payment.ErrDeclined):
		outcome := "canceled"
		if errors.Is(err, payment.ErrDeclined) {
			outcome = "declined"
		}
		order := c.Payment.OrderID
		_, uerr := s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
			if cur.State == store.StatePaying && cur.Payment.OrderID == order {
				cur.Payment.Failed = outcome
			}
			return nil, nil, nil
		})
		if uerr != nil {
			return uerr
		}
		return back()
	case errors.Is(err, payment.ErrPending):
		return userErr(ErrPayment, "err.pay.pending")
	case errors.Is(err, payment.ErrMismatch):
		s.o.Logger.Warn("portal: payment return does not match", "claim", c.ID, "err", err)
		return userErr(ErrPayment, "err.pay.mismatch")
	default:
		s.o.Logger.Warn("portal: payment finish", "claim", c.ID, "err", err)
		return userErr(ErrPayment, "err.pay.unavailable")
	}
}

// markPaid records a confirmed payment of the order and signs its
// Receipt, once: a second confirmation of the same order is a no-op.
func (s *Server) markPaid(ctx context.Context, claimID, orderID, provider string, p payment.Paid) error {
	co := s.o.Claims
	_, err := s.o.Store.UpdateClaim(ctx, claimID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.Payment == nil || cur.Payment.OrderID != orderID || cur.Payment.Provider != provider {
			return nil, nil, fmt.Errorf("%w: order %s is not the claim's current payment", payment.ErrMismatch, orderID)
		}
		if cur.State != store.StatePaying {
			return nil, nil, nil // recorded already
		}
		if p.Amount != cur.Payment.Amount || p.Currency != cur.Payment.Currency || p.PaymentID == "" {
			return nil, nil, fmt.Errorf("%w: paid %d %s, want %d %s", payment.ErrMismatch, p.Amount, p.Currency, cur.Payment.Amount, cur.Payment.Currency)
		}
		rc, err := chain.SignReceipt(co.PaymentKey, chain.NewReceipt(provider, p.PaymentID, p.Amount, p.Currency, cur.Statement.Digest()))
		if err != nil {
			return nil, nil, err
		}
		cur.Payment.PaymentID, cur.Payment.Failed = p.PaymentID, ""
		cur.Receipt, cur.State, cur.Paid = &rc, store.StatePaid, s.o.Now()
		return nil, nil, nil
	})
	if errors.Is(err, payment.ErrMismatch) {
		s.o.Logger.Warn("portal: payment refused", "claim", claimID, "err", err)
		return userErr(ErrPayment, "err.pay.mismatch")
	}
	if err == nil {
		s.o.Logger.Info("portal: claim paid", "claim", claimID, "provider", provider, "payment", p.PaymentID)
	}
	return err
}

// webhook takes a provider's signed event. The provider verifies the
// signature on the raw bytes; an event ID seen before is acknowledged and
// ignored.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	prov := s.o.Claims.provider(chi.URLParam(r, "provider"))
	hooks, ok := prov.(payment.Webhooks)
	if prov == nil || !ok {
		http.Error(w, "no such webhook", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	ev, err := hooks.Webhook(r.Header, body)
	if errors.Is(err, payment.ErrPending) {
		w.Write([]byte("noted: not paid yet\n")) // a later event says how it ended
		return
	}
	if err != nil {
		s.o.Logger.Warn("portal: webhook refused", "provider", prov.Name(), "err", err)
		http.Error(w, "webhook refused", http.StatusBadRequest)
		return
	}
	claimID, _, _ := strings.Cut(ev.OrderID, "-")
	ctx := r.Context()
	c, err := s.o.Store.Claim(ctx, claimID)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "unknown order", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	// A replay is dropped before it acts. The event is recorded after it
	// acted, so a crash in between lets the provider's redelivery finish
	// the job (every action below is idempotent).
	if seen, err := s.seenEvent(ctx, prov.Name(), ev.ID); err != nil || seen {
		if err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("duplicate\n"))
		return
	}
	switch ev.Kind {
	case payment.EventPaid:
		if err := s.markPaid(ctx, c.ID, ev.OrderID, prov.Name(), ev.Paid); err != nil {
			http.Error(w, "payment does not match the order", http.StatusUnprocessableEntity)
			return
		}
	case payment.EventFailed:
		_, err = s.o.Store.UpdateClaim(ctx, c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
			if cur.State == store.StatePaying && cur.Payment.OrderID == ev.OrderID {
				cur.Payment.Failed = "declined"
			}
			return nil, nil, nil
		})
	}
	if err == nil {
		_, err = s.o.Store.FirstEvent(ctx, prov.Name(), ev.ID)
	}
	if err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

// seenEvent reports whether the provider's event was handled before.
func (s *Server) seenEvent(ctx context.Context, provider, id string) (bool, error) {
	return s.o.Store.SeenEvent(ctx, provider, id)
}
