package card

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// Name is the provider's name in Receipts.
const Name = "card"

// DefaultTolerance is how far a webhook's timestamp may be from now.
const DefaultTolerance = 300 * time.Second

// Session statuses and payment statuses.
const (
	StatusOpen     = "open"
	StatusComplete = "complete"
	StatusExpired  = "expired"
	PaymentPaid    = "paid"
	PaymentUnpaid  = "unpaid"
)

// Event types the Client understands.
const (
	EventSessionCompleted    = "checkout.session.completed"
	EventAsyncSucceeded      = "checkout.session.async_payment_succeeded"
	EventAsyncFailed         = "checkout.session.async_payment_failed"
	EventSessionExpired      = "checkout.session.expired"
	EventRefundCreated       = "refund.created"
	codeChargeAlreadyRefunds = "charge_already_refunded"
	sessionIDTemplate        = "{CHECKOUT_SESSION_ID}"
)

// Config is how to reach the processor and check its webhooks.
type Config struct {
	BaseURL         string        // https://api.stripe.com
	SecretKey       string        // Authorization: Bearer {SecretKey}
	WebhookSecret   string        // the HMAC key of webhook signatures
	SignatureHeader string        // "" is "Signature"; Stripe's is "Stripe-Signature"
	Tolerance       time.Duration // 0 is DefaultTolerance
	HTTP            *http.Client  // nil: a client with a 15 s timeout
	Now             func() time.Time
}

// Client is the card provider. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string
	wire wire.Client
}

var (
	_ payment.Provider = (*Client)(nil)
	_ payment.Webhooks = (*Client)(nil)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := wire.CheckBase(Name, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.SecretKey == "" || cfg.WebhookSecret == "" {
		return nil, errors.New("card: the config needs a secret key and a webhook secret")
	}
	if cfg.SignatureHeader == "" {
		cfg.SignatureHeader = "Signature"
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, base: base, wire: wire.Client{Provider: Name, HTTP: cfg.HTTP, Refusal: refusal}}, nil
}

// Session is a checkout session as the processor answers it.
type Session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	URL               string            `json:"url"`
	Mode              string            `json:"mode"`
	Status            string            `json:"status"`
	PaymentStatus     string            `json:"payment_status"`
	AmountTotal       int64             `json:"amount_total"`
	Currency          string            `json:"currency"` // lower case
	ClientReferenceID string            `json:"client_reference_id"`
	PaymentIntent     *string           `json:"payment_intent"`
	SuccessURL        string            `json:"success_url"`
	CancelURL         string            `json:"cancel_url"`
	Metadata          map[string]string `json:"metadata"`
	Created           int64             `json:"created"`
	ExpiresAt         int64             `json:"expires_at"`
}

// Refund is a refund as the processor answers it.
type Refund struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	PaymentIntent string            `json:"payment_intent"`
	Status        string            `json:"status"` // succeeded, pending, failed
	Metadata      map[string]string `json:"metadata"`
	Created       int64             `json:"created"`
}

// Event is a webhook's body.
type Event struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// ErrorBody is the processor's refusal.
type ErrorBody struct {
	Error *APIError `json:"error"`
}

// APIError is the inside of a refusal.
type APIError struct {
	Type        string `json:"type"`
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message"`
	Param       string `json:"param,omitempty"`
}

func refusal(status int, body []byte) *wire.Error {
	var e ErrorBody
	if json.Unmarshal(body, &e) != nil || e.Error == nil || (e.Error.Type == "" && e.Error.Message == "") {
		return nil
	}
	kind := payment.ErrMismatch
	switch {
	case e.Error.Type == "card_error" || status == http.StatusPaymentRequired:
		kind = payment.ErrDeclined
	case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests ||
		e.Error.Type == "api_error" || e.Error.Code == "idempotency_key_in_use":
		kind = payment.ErrUnavailable
	}
	code := e.Error.Code
	if code == "" {
		code = e.Error.Type
	}
	return &wire.Error{Kind: kind, Code: code, Message: e.Error.Message}
}

func (c *Client) do(ctx context.Context, method, path, idemKey string, form url.Values, out any) error {
	var req *http.Request
	var err error
	if method == http.MethodPost {
		req, err = wire.FormRequest(ctx, method, c.base+path, form)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, c.base+path, nil)
	}
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.SecretKey)
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	return c.wire.Do(req, out)
}

// Name is "card".
func (c *Client) Name() string { return Name }

// Begin creates the order's checkout session (Idempotency-Key: Order.ID);
// the same order begun again is the same session until it expires, then
// one new session.
func (c *Client) Begin(ctx context.Context, o payment.Order) (payment.Checkout, error) {
	if err := wire.CheckOrder(Name, o); err != nil {
		return payment.Checkout{}, err
	}
	success, err := wire.WithQuery(o.ReturnURL, "outcome", "approve", "session_id", sessionIDTemplate)
	if err != nil {
		return payment.Checkout{}, err
	}
	cancel, err := wire.WithQuery(o.ReturnURL, "outcome", "cancel", "session_id", sessionIDTemplate)
	if err != nil {
		return payment.Checkout{}, err
	}
	// The template must reach the processor unescaped.
	unescape := strings.NewReplacer(url.QueryEscape(sessionIDTemplate), sessionIDTemplate)
	form := url.Values{
		"mode":                                   {"payment"},
		"success_url":                            {unescape.Replace(success)},
		"cancel_url":                             {unescape.Replace(cancel)},
		"client_reference_id":                    {o.ID},
		"line_items[0][quantity]":                {"1"},
		"line_items[0][price_data][currency]":    {strings.ToLower(o.Currency)},
		"line_items[0][price_data][unit_amount]": {strconv.FormatInt(o.Amount, 10)},
		"line_items[0][price_data][product_data][name]": {o.Item},
		"metadata[order_id]":                            {o.ID},
		"payment_intent_data[metadata][order_id]":       {o.ID},
	}
	// The order's key gives the same session again (a replay answers as the
	// first time, so its expires_at tells whether it has expired since);
	// after it expired, the key names it, so every Begin agrees on one new
	// session.
	var s Session
	for key, tries := o.ID, 0; ; tries++ {
		if err := c.do(ctx, http.MethodPost, "/v1/checkout/sessions", key, form, &s); err != nil {
			return payment.Checkout{}, err
		}
		expired := s.Status == StatusExpired || (s.ExpiresAt > 0 && !c.cfg.Now().Before(time.Unix(s.ExpiresAt, 0)))
		if !expired || tries == 10 {
			break
		}
		key = o.ID + "/after/" + s.ID
	}
	if s.ID == "" || s.URL == "" {
		return payment.Checkout{}, wire.Fail(payment.ErrUnavailable, Name, "the session has no id or no page")
	}
	if err := matches(o, s); err != nil {
		return payment.Checkout{}, err
	}
	return payment.Checkout{Ref: s.ID, RedirectURL: s.URL}, nil
}

func (c *Client) session(ctx context.Context, o payment.Order, id string) (Session, error) {
	var s Session
	if err := c.do(ctx, http.MethodGet, "/v1/checkout/sessions/"+url.PathEscape(id), "", nil, &s); err != nil {
		return s, err
	}
	if s.ID != id {
		return s, wire.Fail(payment.ErrMismatch, Name, "asked for session %s, got %s", id, s.ID)
	}
	return s, matches(o, s)
}

func matches(o payment.Order, s Session) error {
	switch {
	case s.ClientReferenceID != o.ID:
		return wire.Fail(payment.ErrMismatch, Name, "session %s is for order %s, not %s", s.ID, s.ClientReferenceID, o.ID)
	case s.AmountTotal != o.Amount || !strings.EqualFold(s.Currency, o.Currency):
		return wire.Fail(payment.ErrMismatch, Name, "session %s is %s; order %s is %s",
			s.ID, wire.Money(s.AmountTotal, strings.ToUpper(s.Currency)), o.ID, wire.Money(o.Amount, o.Currency))
	}
	return nil
}

// Finish reads session c.Ref; q's session_id, if any, must be c.Ref, and
// q's outcome only chooses the words when the session is still open.
func (c *Client) Finish(ctx context.Context, o payment.Order, ch payment.Checkout, q url.Values) (payment.Paid, error) {
	if id := q.Get("session_id"); id != "" && id != ch.Ref {
		return payment.Paid{}, wire.Fail(payment.ErrMismatch, Name, "the browser came back with session %s, but order %s is session %s", id, o.ID, ch.Ref)
	}
	s, err := c.session(ctx, o, ch.Ref)
	if err != nil {
		return payment.Paid{}, err
	}
	switch {
	case s.PaymentStatus == PaymentPaid:
		if s.PaymentIntent == nil || *s.PaymentIntent == "" {
			return payment.Paid{}, wire.Fail(payment.ErrUnavailable, Name, "session %s is paid but names no payment", s.ID)
		}
		return payment.Paid{PaymentID: *s.PaymentIntent, Amount: s.AmountTotal, Currency: strings.ToUpper(s.Currency)}, nil
	case s.Status == StatusExpired:
		return payment.Paid{}, wire.Fail(payment.ErrCanceled, Name, "checkout %s expired without a payment", s.ID)
	case s.Status == StatusComplete:
		return payment.Paid{}, wire.Fail(payment.ErrPending, Name, "checkout %s is complete but its payment is not confirmed yet", s.ID)
	case q.Get("outcome") == "cancel":
		return payment.Paid{}, wire.Fail(payment.ErrCanceled, Name, "the person left the card page without paying")
	case q.Get("outcome") == "fail":
		return payment.Paid{}, wire.Fail(payment.ErrDeclined, Name, "the card was declined")
	}
	return payment.Paid{}, wire.Fail(payment.ErrPending, Name, "checkout %s is still open: nothing is paid yet", s.ID)
}

// Refund refunds payment p in full; a payment refunded before is no error.
func (c *Client) Refund(ctx context.Context, o payment.Order, ch payment.Checkout, p payment.Paid) error {
	s, err := c.session(ctx, o, ch.Ref)
	if err != nil {
		return err
	}
	if s.PaymentIntent == nil || *s.PaymentIntent != p.PaymentID {
		return wire.Fail(payment.ErrMismatch, Name, "payment %s is not session %s's payment", p.PaymentID, s.ID)
	}
	var r Refund
	err = c.do(ctx, http.MethodPost, "/v1/refunds", "refund-"+o.ID,
		url.Values{"payment_intent": {p.PaymentID}, "metadata[order_id]": {o.ID}}, &r)
	if wire.CodeOf(err) == codeChargeAlreadyRefunds {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case r.PaymentIntent != p.PaymentID || r.Amount != p.Amount:
		return wire.Fail(payment.ErrMismatch, Name, "refund %s is %s of %s, not %s of %s",
			r.ID, wire.Money(r.Amount, strings.ToUpper(r.Currency)), r.PaymentIntent, wire.Money(p.Amount, p.Currency), p.PaymentID)
	case r.Status == "failed" || r.Status == "canceled":
		return wire.Fail(payment.ErrDeclined, Name, "refund %s %s", r.ID, r.Status)
	}
	return nil
}

// Sign is the signature header value of body at time t: t=<unix>,v1=<hex>.
func Sign(secret string, body []byte, t time.Time) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac(secret, t.Unix(), body)))
}

func mac(secret string, t int64, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.", t)
	m.Write(body)
	return m.Sum(nil)
}

func bad(format string, args ...any) error {
	return wire.Fail(payment.ErrBadWebhook, Name, format, args...)
}

// Webhook verifies the signature on body before reading it, then returns
// the event it carries.
func (c *Client) Webhook(h http.Header, body []byte) (payment.Event, error) {
	if err := c.verify(h.Get(c.cfg.SignatureHeader), body); err != nil {
		return payment.Event{}, err
	}
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return payment.Event{}, bad("the signed body is not an event: %v", err)
	}
	if ev.ID == "" {
		return payment.Event{}, bad("the event has no id")
	}
	switch ev.Type {
	case EventSessionCompleted, EventAsyncSucceeded, EventAsyncFailed, EventSessionExpired:
		var s Session
		if err := json.Unmarshal(ev.Data.Object, &s); err != nil || s.ID == "" {
			return payment.Event{}, bad("event %s carries no checkout session", ev.ID)
		}
		out := payment.Event{ID: ev.ID, OrderID: s.ClientReferenceID, Ref: s.ID}
		switch {
		case ev.Type == EventAsyncFailed || ev.Type == EventSessionExpired:
			out.Kind = payment.EventFailed
		case s.PaymentStatus != PaymentPaid:
			return payment.Event{}, wire.Fail(payment.ErrPending, Name, "event %s: session %s is complete but not paid yet; a later event will say", ev.ID, s.ID)
		case s.PaymentIntent == nil || *s.PaymentIntent == "":
			return payment.Event{}, bad("event %s: session %s is paid but names no payment", ev.ID, s.ID)
		default:
			out.Kind = payment.EventPaid
			out.Paid = payment.Paid{PaymentID: *s.PaymentIntent, Amount: s.AmountTotal, Currency: strings.ToUpper(s.Currency)}
		}
		return out, nil
	case EventRefundCreated:
		var r Refund
		if err := json.Unmarshal(ev.Data.Object, &r); err != nil || r.ID == "" {
			return payment.Event{}, bad("event %s carries no refund", ev.ID)
		}
		return payment.Event{ID: ev.ID, Kind: payment.EventRefunded, OrderID: r.Metadata["order_id"],
			Paid: payment.Paid{PaymentID: r.PaymentIntent, Amount: r.Amount, Currency: strings.ToUpper(r.Currency)}}, nil
	}
	return payment.Event{}, bad("event %s has type %q, which the portal does not handle", ev.ID, ev.Type)
}

// verify checks header (t=…,v1=…[,v1=…]) against body.
func (c *Client) verify(header string, body []byte) error {
	if header == "" {
		return bad("the %s header is missing", c.cfg.SignatureHeader)
	}
	var ts int64 = -1
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return bad("the signature header is not t=…,v1=…")
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return bad("the signature's time %q is not a Unix time", v)
			}
			ts = n
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil && len(sig) == sha256.Size {
				sigs = append(sigs, sig)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return bad("the signature header lacks t or a v1 signature")
	}
	if age := c.cfg.Now().Sub(time.Unix(ts, 0)); age > c.cfg.Tolerance || age < -c.cfg.Tolerance {
		return bad("the signature's time is %s away from now; at most %s is accepted", age.Round(time.Second).Abs(), c.cfg.Tolerance)
	}
	want := mac(c.cfg.WebhookSecret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return bad("no v1 signature matches the body")
}
