package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// Name is the provider's name in Receipts.
const Name = "sandbox"

// Statuses of a sandbox payment.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusDeclined  = "declined"
	StatusCanceled  = "canceled"
	StatusRefunded  = "refunded"
)

const defaultTimeout = 15 * time.Second

// Config is how to reach a sandbox server.
type Config struct {
	BaseURL string       // e.g. http://127.0.0.1:7370/sandbox
	Key     string       // the API key the server expects
	HTTP    *http.Client // nil: a client with a 15 s timeout
}

// Client is the sandbox provider. It is safe for concurrent use.
type Client struct {
	base, key string
	wire      wire.Client
}

var _ payment.Provider = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := wire.CheckBase(Name, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Key == "" {
		return nil, errors.New("sandbox: the config has no API key")
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	return &Client{base: base, key: cfg.Key, wire: wire.Client{Provider: Name, HTTP: hc, Refusal: refusal}}, nil
}

// Payment is the sandbox server's payment object.
type Payment struct {
	ID          string `json:"id"`
	OrderID     string `json:"order_id"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	Status      string `json:"status"`
	CheckoutURL string `json:"checkout_url"`
	ReturnURL   string `json:"return_url"`
	Created     int64  `json:"created"`
}

type createRequest struct {
	OrderID     string `json:"order_id"`
	Amount      int64  `json:"amount"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	ReturnURL   string `json:"return_url"`
}

type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Error codes of the sandbox server.
const (
	codeUnauthorized    = "unauthorized"
	codeInvalidRequest  = "invalid_request"
	codeNotFound        = "not_found"
	codeIdempotency     = "idempotency_conflict"
	codeNotRefundable   = "not_refundable"
	codeAlreadyRefunded = "already_refunded"
	codeServer          = "server_error"
)

func refusal(_ int, body []byte) *wire.Error {
	var e errorBody
	if json.Unmarshal(body, &e) != nil || e.Error == nil || e.Error.Code == "" {
		return nil
	}
	kind := payment.ErrMismatch // the request does not fit the payment
	switch e.Error.Code {
	case codeUnauthorized, codeServer:
		kind = payment.ErrUnavailable
	case codeNotRefundable:
		kind = payment.ErrDeclined
	}
	return &wire.Error{Kind: kind, Code: e.Error.Code, Message: e.Error.Message}
}

func (c *Client) call(ctx context.Context, method, path, idemKey string, body any) (Payment, error) {
	var req *http.Request
	var err error
	if body != nil {
		req, err = wire.JSONRequest(ctx, method, c.base+path, body)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, c.base+path, nil)
	}
	if err != nil {
		return Payment{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	var p Payment
	if err := c.wire.Do(req, &p); err != nil {
		return Payment{}, err
	}
	if p.ID == "" {
		return Payment{}, wire.Fail(payment.ErrUnavailable, Name, "the answer names no payment")
	}
	return p, nil
}

// Name is "sandbox".
func (c *Client) Name() string { return Name }

// Begin creates the order's payment on the sandbox server (once per
// Order.ID: the Idempotency-Key) and returns its hosted page.
func (c *Client) Begin(ctx context.Context, o payment.Order) (payment.Checkout, error) {
	if err := wire.CheckOrder(Name, o); err != nil {
		return payment.Checkout{}, err
	}
	p, err := c.call(ctx, http.MethodPost, "/v1/payments", o.ID, createRequest{
		OrderID: o.ID, Amount: o.Amount, Currency: o.Currency, Description: o.Item, ReturnURL: o.ReturnURL,
	})
	if err != nil {
		return payment.Checkout{}, err
	}
	if err := matches(o, p); err != nil {
		return payment.Checkout{}, err
	}
	return payment.Checkout{Ref: p.ID, RedirectURL: p.CheckoutURL}, nil
}

// Finish reads the payment c.Ref from the server; q's payment_id, if any,
// must be c.Ref, and q's outcome is not believed.
func (c *Client) Finish(ctx context.Context, o payment.Order, ch payment.Checkout, q url.Values) (payment.Paid, error) {
	if id := q.Get("payment_id"); id != "" && id != ch.Ref {
		return payment.Paid{}, wire.Fail(payment.ErrMismatch, Name, "the browser came back with payment %s, but order %s is payment %s", id, o.ID, ch.Ref)
	}
	p, err := c.call(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(ch.Ref), "", nil)
	if err != nil {
		return payment.Paid{}, err
	}
	if err := matches(o, p); err != nil {
		return payment.Paid{}, err
	}
	switch p.Status {
	case StatusSucceeded:
		return payment.Paid{PaymentID: p.ID, Amount: p.Amount, Currency: p.Currency}, nil
	case StatusDeclined:
		return payment.Paid{}, wire.Fail(payment.ErrDeclined, Name, "payment %s was declined", p.ID)
	case StatusCanceled:
		return payment.Paid{}, wire.Fail(payment.ErrCanceled, Name, "payment %s was canceled on the sandbox page", p.ID)
	case StatusRefunded:
		return payment.Paid{}, wire.Fail(payment.ErrDeclined, Name, "payment %s was paid and then refunded; it cannot pay again", p.ID)
	case StatusPending:
		return payment.Paid{}, wire.Fail(payment.ErrPending, Name, "payment %s has no choice made on the sandbox page yet", p.ID)
	}
	return payment.Paid{}, wire.Fail(payment.ErrUnavailable, Name, "payment %s has status %q, which this client does not know", p.ID, p.Status)
}

// Refund refunds payment p in full; a second refund of it is no error.
func (c *Client) Refund(ctx context.Context, o payment.Order, ch payment.Checkout, pd payment.Paid) error {
	if pd.PaymentID != ch.Ref {
		return wire.Fail(payment.ErrMismatch, Name, "payment %s is not order %s's payment %s", pd.PaymentID, o.ID, ch.Ref)
	}
	path := "/v1/payments/" + url.PathEscape(ch.Ref)
	p, err := c.call(ctx, http.MethodPost, path+"/refund", "refund-"+o.ID, struct{}{})
	if wire.CodeOf(err) == codeAlreadyRefunded {
		p, err = c.call(ctx, http.MethodGet, path, "", nil)
	}
	if err != nil {
		return err
	}
	if err := matches(o, p); err != nil {
		return err
	}
	if p.Status != StatusRefunded {
		return wire.Fail(payment.ErrUnavailable, Name, "payment %s is %s after the refund", p.ID, p.Status)
	}
	return nil
}

// matches checks that the server's payment is o's.
func matches(o payment.Order, p Payment) error {
	switch {
	case p.OrderID != o.ID:
		return wire.Fail(payment.ErrMismatch, Name, "payment %s is for order %s, not %s", p.ID, p.OrderID, o.ID)
	case p.Amount != o.Amount || p.Currency != o.Currency:
		return wire.Fail(payment.ErrMismatch, Name, "payment %s is %s; order %s is %s",
			p.ID, wire.Money(p.Amount, p.Currency), o.ID, wire.Money(o.Amount, o.Currency))
	}
	return nil
}
