// Package payment is the portal's side of taking a claim's fee: one
// Provider interface with three implementations (the sandbox, KakaoPay's
// single payment, and a card processor's checkout with signed webhooks),
// each talking its provider's real HTTP protocol, and local fakes of those
// providers that `careerd dev` and the tests run.
//
// The portal drives a payment as Begin (the provider is told of the order
// and returns where to send the browser), Finish (the browser came back;
// the provider is asked whether the order was paid) and, for a rejected
// claim, Refund. A provider that also confirms by webhook implements
// Webhooks. Every call is idempotent by Order.ID: the same order begun
// twice is one checkout, finished twice is one payment, refunded twice is
// one refund. What the portal records of a payment, and the Receipt it
// signs once an order is paid, live with the claim (package portal).
//
// No provider secret leaves the portal: the chain sees only the signed
// Receipt, which names the provider, the provider's payment ID, the amount
// and the claim.
package payment

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// Errors a Provider returns, wrapped with the provider's own words. The
// portal shows each as a page that says what to do next.
var (
	// ErrDeclined: the provider refused the payment (card declined,
	// approval failed). The person may try again.
	ErrDeclined = errors.New("payment: declined")
	// ErrCanceled: the person left the provider's page without paying.
	ErrCanceled = errors.New("payment: canceled")
	// ErrPending: the provider has not confirmed the payment yet (a
	// webhook is still on its way). Ask again later.
	ErrPending = errors.New("payment: not confirmed yet")
	// ErrMismatch: what the provider confirmed is not this order (amount,
	// currency, order ID or token differ). Nothing is recorded as paid.
	ErrMismatch = errors.New("payment: the provider's answer does not match the order")
	// ErrUnavailable: the provider could not be reached or answered with
	// a server error. Nothing changed; try again.
	ErrUnavailable = errors.New("payment: provider unavailable")
	// ErrBadWebhook: a webhook's signature, time or body is not acceptable.
	ErrBadWebhook = errors.New("payment: webhook refused")
)

// Order is one fee to collect. ID is the portal's order ID and the
// idempotency key of every call to the provider (KakaoPay's
// partner_order_id, the card processor's Idempotency-Key).
type Order struct {
	ID       string
	User     string // the paying account's ID (KakaoPay's partner_user_id)
	Item     string // what is paid for, in words, as the provider shows it
	Amount   int64  // in the currency's minor unit
	Currency string // ISO 4217, upper case
	// ReturnURL is the absolute URL the provider sends the browser back to.
	// The provider appends its own query: outcome=approve|cancel|fail and
	// whatever its protocol adds (KakaoPay's pg_token, the card
	// processor's session_id).
	ReturnURL string
}

// Checkout is what Begin returns: the provider's reference of the order and
// where the browser goes to pay.
type Checkout struct {
	Ref         string // the provider's ID of the checkout (KakaoPay tid, card session ID)
	RedirectURL string // the page to send the browser to
	MobileURL   string // the same for a phone, if the provider has one (else empty)
}

// Paid is a confirmed payment.
type Paid struct {
	PaymentID string // the provider's ID of the payment (KakaoPay aid, card payment intent)
	Amount    int64
	Currency  string
}

// Provider is one payment provider. Implementations are safe for
// concurrent use.
type Provider interface {
	// Name is the Receipt's provider, and the chain's payment plugin for
	// it is "payment-<Name>": "sandbox", "kakaopay" or "card".
	Name() string
	// Begin tells the provider of o and returns where to send the browser.
	Begin(ctx context.Context, o Order) (Checkout, error)
	// Finish is called when the browser returns to o.ReturnURL with query
	// q. It confirms with the provider (never trusting q alone) and
	// returns the payment, or ErrCanceled, ErrDeclined, ErrPending,
	// ErrMismatch or ErrUnavailable.
	Finish(ctx context.Context, o Order, c Checkout, q url.Values) (Paid, error)
	// Refund returns a confirmed payment in full.
	Refund(ctx context.Context, o Order, c Checkout, p Paid) error
}

// Event is what a verified webhook says about an order.
type Event struct {
	ID      string // the provider's event ID: a second delivery of an ID is a replay
	Kind    string // EventPaid, EventFailed or EventRefunded
	OrderID string // Order.ID
	Ref     string // Checkout.Ref
	Paid    Paid   // for EventPaid
}

// Kinds of Event.
const (
	EventPaid     = "paid"
	EventFailed   = "failed"
	EventRefunded = "refunded"
)

// Webhooks is implemented by providers that confirm by webhook.
type Webhooks interface {
	// Webhook verifies a webhook request from its headers and raw body,
	// before any parsing, and returns the event it carries; ErrBadWebhook
	// if the signature, its time or the body is not acceptable. Dropping
	// a replayed event ID is the caller's job (it keeps the IDs).
	Webhook(h http.Header, body []byte) (Event, error)
}
