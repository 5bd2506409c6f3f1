package kakaopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// Name is the provider's name in Receipts.
const Name = "kakaopay"

// TestCID is KakaoPay's test merchant for single payments.
const TestCID = "TC0ONETIME"

// ReadyLifetime is how long a ready payment waits for approval.
const ReadyLifetime = 15 * time.Minute

// Payment statuses, as the order endpoint names them.
const (
	StatusReady         = "READY"
	StatusAuthPassword  = "AUTH_PASSWORD" // the buyer approved; waiting for approve
	StatusSuccess       = "SUCCESS_PAYMENT"
	StatusPartCancel    = "PART_CANCEL_PAYMENT"
	StatusCancel        = "CANCEL_PAYMENT"
	StatusFailAuth      = "FAIL_AUTH_PASSWORD"
	StatusQuit          = "QUIT_PAYMENT"
	StatusFail          = "FAIL_PAYMENT"
	actionTypePayment   = "PAYMENT"
	actionTypeCancel    = "CANCEL"
	defaultClientTimout = 15 * time.Second
)

// Error codes (see the package doc for which are KakaoPay's own).
const (
	CodeInternal        = -1
	CodeInvalidParam    = -2
	CodeUnauthorized    = -401
	CodeNotAuthorized   = -701
	CodeAlreadyApproved = -702
	CodeExpired         = -723
	CodeApprovalFailure = -780
)

// Config is how to reach KakaoPay.
type Config struct {
	BaseURL   string       // https://open-api.kakaopay.com
	SecretKey string       // Authorization: SECRET_KEY {SecretKey}
	CID       string       // merchant code; "" is TestCID
	HTTP      *http.Client // nil: a client with a 15 s timeout
	Now       func() time.Time
}

// Client is the KakaoPay provider. It is safe for concurrent use.
type Client struct {
	base, key, cid string
	now            func() time.Time
	wire           wire.Client

	mu    sync.Mutex
	begun map[string]*begun // by Order.ID
}

// begun is one ready call and what it gave.
type begun struct {
	done  chan struct{} // closed when c and err are set
	order payment.Order
	at    time.Time
	c     payment.Checkout
	err   error
}

var _ payment.Provider = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := wire.CheckBase(Name, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.SecretKey == "" {
		return nil, errors.New("kakaopay: the config has no secret key")
	}
	if cfg.CID == "" {
		cfg.CID = TestCID
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: defaultClientTimout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{base: base, key: cfg.SecretKey, cid: cfg.CID, now: cfg.Now,
		wire:  wire.Client{Provider: Name, HTTP: cfg.HTTP, Refusal: refusal},
		begun: make(map[string]*begun)}, nil
}

// Amount is KakaoPay's amount object.
type Amount struct {
	Total        int64 `json:"total"`
	TaxFree      int64 `json:"tax_free"`
	VAT          int64 `json:"vat"`
	Point        int64 `json:"point"`
	Discount     int64 `json:"discount"`
	GreenDeposit int64 `json:"green_deposit"`
}

// ReadyRequest is the body of ready.
type ReadyRequest struct {
	CID            string `json:"cid"`
	PartnerOrderID string `json:"partner_order_id"`
	PartnerUserID  string `json:"partner_user_id"`
	ItemName       string `json:"item_name"`
	Quantity       int    `json:"quantity"`
	TotalAmount    int64  `json:"total_amount"`
	TaxFreeAmount  int64  `json:"tax_free_amount"`
	ApprovalURL    string `json:"approval_url"`
	CancelURL      string `json:"cancel_url"`
	FailURL        string `json:"fail_url"`
}

// ReadyResponse is ready's answer.
type ReadyResponse struct {
	TID                   string `json:"tid"`
	NextRedirectAppURL    string `json:"next_redirect_app_url"`
	NextRedirectMobileURL string `json:"next_redirect_mobile_url"`
	NextRedirectPCURL     string `json:"next_redirect_pc_url"`
	AndroidAppScheme      string `json:"android_app_scheme"`
	IOSAppScheme          string `json:"ios_app_scheme"`
	CreatedAt             string `json:"created_at"`
}

// ApproveRequest is the body of approve.
type ApproveRequest struct {
	CID            string `json:"cid"`
	TID            string `json:"tid"`
	PartnerOrderID string `json:"partner_order_id"`
	PartnerUserID  string `json:"partner_user_id"`
	PGToken        string `json:"pg_token"`
}

// ApproveResponse is approve's answer.
type ApproveResponse struct {
	AID               string `json:"aid"`
	TID               string `json:"tid"`
	CID               string `json:"cid"`
	PartnerOrderID    string `json:"partner_order_id"`
	PartnerUserID     string `json:"partner_user_id"`
	PaymentMethodType string `json:"payment_method_type"`
	Amount            Amount `json:"amount"`
	ItemName          string `json:"item_name"`
	Quantity          int    `json:"quantity"`
	CreatedAt         string `json:"created_at"`
	ApprovedAt        string `json:"approved_at"`
}

// OrderRequest is the body of order (the payment's state).
type OrderRequest struct {
	CID string `json:"cid"`
	TID string `json:"tid"`
}

// Action is one entry of an order's payment_action_details.
type Action struct {
	AID               string `json:"aid"`
	ApprovedAt        string `json:"approved_at"`
	Amount            int64  `json:"amount"`
	PointAmount       int64  `json:"point_amount"`
	DiscountAmount    int64  `json:"discount_amount"`
	GreenDeposit      int64  `json:"green_deposit"`
	PaymentActionType string `json:"payment_action_type"`
	Payload           string `json:"payload"`
}

// OrderResponse is order's answer.
type OrderResponse struct {
	TID                   string   `json:"tid"`
	CID                   string   `json:"cid"`
	Status                string   `json:"status"`
	PartnerOrderID        string   `json:"partner_order_id"`
	PartnerUserID         string   `json:"partner_user_id"`
	PaymentMethodType     string   `json:"payment_method_type,omitempty"`
	Amount                Amount   `json:"amount"`
	CanceledAmount        Amount   `json:"canceled_amount"`
	CancelAvailableAmount Amount   `json:"cancel_available_amount"`
	ItemName              string   `json:"item_name"`
	Quantity              int      `json:"quantity"`
	CreatedAt             string   `json:"created_at"`
	ApprovedAt            string   `json:"approved_at,omitempty"`
	CanceledAt            string   `json:"canceled_at,omitempty"`
	PaymentActionDetails  []Action `json:"payment_action_details"`
}

// CancelRequest is the body of cancel.
type CancelRequest struct {
	CID                 string `json:"cid"`
	TID                 string `json:"tid"`
	CancelAmount        int64  `json:"cancel_amount"`
	CancelTaxFreeAmount int64  `json:"cancel_tax_free_amount"`
}

// CancelResponse is cancel's answer.
type CancelResponse struct {
	AID                   string `json:"aid"`
	TID                   string `json:"tid"`
	CID                   string `json:"cid"`
	Status                string `json:"status"`
	PartnerOrderID        string `json:"partner_order_id"`
	PartnerUserID         string `json:"partner_user_id"`
	PaymentMethodType     string `json:"payment_method_type"`
	Amount                Amount `json:"amount"`
	ApprovedCancelAmount  Amount `json:"approved_cancel_amount"`
	CanceledAmount        Amount `json:"canceled_amount"`
	CancelAvailableAmount Amount `json:"cancel_available_amount"`
	ItemName              string `json:"item_name"`
	Quantity              int    `json:"quantity"`
	CreatedAt             string `json:"created_at"`
	ApprovedAt            string `json:"approved_at"`
	CanceledAt            string `json:"canceled_at"`
}

// ErrorBody is KakaoPay's refusal.
type ErrorBody struct {
	ErrorCode    int    `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Extras       *struct {
		MethodResultCode    string `json:"method_result_code"`
		MethodResultMessage string `json:"method_result_message"`
	} `json:"extras,omitempty"`
}

func refusal(_ int, body []byte) *wire.Error {
	var e ErrorBody
	if json.Unmarshal(body, &e) != nil || e.ErrorCode == 0 {
		return nil
	}
	msg := e.ErrorMessage
	if e.Extras != nil && e.Extras.MethodResultCode != "" {
		msg += " (" + e.Extras.MethodResultCode + ": " + e.Extras.MethodResultMessage + ")"
	}
	kind := payment.ErrMismatch
	switch e.ErrorCode {
	case CodeInternal, CodeUnauthorized:
		kind = payment.ErrUnavailable
	case CodeNotAuthorized:
		kind = payment.ErrPending
	case CodeExpired, CodeApprovalFailure:
		kind = payment.ErrDeclined
	}
	return &wire.Error{Kind: kind, Code: strconv.Itoa(e.ErrorCode), Message: msg}
}

func (c *Client) post(ctx context.Context, path string, body, out any) error {
	req, err := wire.JSONRequest(ctx, http.MethodPost, c.base+"/online/v1/payment/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "SECRET_KEY "+c.key)
	return c.wire.Do(req, out)
}

// Name is "kakaopay".
func (c *Client) Name() string { return Name }

// Begin calls ready once per Order.ID and returns the redirect URLs; the
// same Order.ID begun again gets the same checkout while it can still be
// paid (within ReadyLifetime, not canceled or failed), else a new ready.
// The same Order.ID with other terms is ErrMismatch.
func (c *Client) Begin(ctx context.Context, o payment.Order) (payment.Checkout, error) {
	if err := wire.CheckOrder(Name, o); err != nil {
		return payment.Checkout{}, err
	}
	if o.Currency != "KRW" {
		return payment.Checkout{}, wire.Fail(payment.ErrMismatch, Name, "order %s is in %s; KakaoPay takes KRW only", o.ID, o.Currency)
	}
	if o.User == "" {
		return payment.Checkout{}, wire.Fail(payment.ErrMismatch, Name, "order %s names no paying account (partner_user_id)", o.ID)
	}
	for {
		b, fresh := c.claim(o)
		if fresh { // this call makes the ready
			b.c, b.err = c.ready(ctx, o)
			if b.err != nil {
				c.forget(o.ID, b) // a failed ready may be tried again
			}
			close(b.done)
			return b.c, b.err
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			return payment.Checkout{}, wire.Fail(payment.ErrUnavailable, Name, "gave up waiting for the ready of order %s: %v", o.ID, ctx.Err())
		}
		if b.err != nil {
			return payment.Checkout{}, b.err
		}
		if b.order != o {
			return payment.Checkout{}, wire.Fail(payment.ErrMismatch, Name, "order %s was begun with other terms a moment ago", o.ID)
		}
		// A tid the buyer canceled or that failed cannot be approved any
		// more: the person is trying again, so make a new ready.
		st, err := c.order(ctx, o, b.c.Ref)
		if err != nil {
			return payment.Checkout{}, err
		}
		if st.Status != StatusQuit && st.Status != StatusFailAuth && st.Status != StatusFail {
			return b.c, nil
		}
		c.forget(o.ID, b)
	}
}

// claim returns the ready of o.ID that is kept or under way, or a new one
// for the caller to make (fresh).
func (c *Client) claim(o payment.Order) (b *begun, fresh bool) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, b := range c.begun { // forget what can no longer be approved
		if now.Sub(b.at) > ReadyLifetime {
			delete(c.begun, id)
		}
	}
	if b, ok := c.begun[o.ID]; ok {
		return b, false
	}
	b = &begun{done: make(chan struct{}), order: o, at: now}
	c.begun[o.ID] = b
	return b, true
}

// forget drops b if it is still the ready kept for id.
func (c *Client) forget(id string, b *begun) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.begun[id] == b {
		delete(c.begun, id)
	}
}

func (c *Client) ready(ctx context.Context, o payment.Order) (payment.Checkout, error) {
	var urls [3]string
	for i, outcome := range []string{"approve", "cancel", "fail"} {
		u, err := wire.WithQuery(o.ReturnURL, "outcome", outcome)
		if err != nil {
			return payment.Checkout{}, err
		}
		urls[i] = u
	}
	var r ReadyResponse
	err := c.post(ctx, "ready", ReadyRequest{
		CID: c.cid, PartnerOrderID: o.ID, PartnerUserID: o.User, ItemName: o.Item, Quantity: 1,
		TotalAmount: o.Amount, TaxFreeAmount: 0, ApprovalURL: urls[0], CancelURL: urls[1], FailURL: urls[2],
	}, &r)
	if err != nil {
		return payment.Checkout{}, err
	}
	if r.TID == "" || r.NextRedirectPCURL == "" {
		return payment.Checkout{}, wire.Fail(payment.ErrUnavailable, Name, "ready answered without a tid or a redirect URL")
	}
	return payment.Checkout{Ref: r.TID, RedirectURL: r.NextRedirectPCURL, MobileURL: r.NextRedirectMobileURL}, nil
}

// order reads payment tid's state and checks it is o's.
func (c *Client) order(ctx context.Context, o payment.Order, tid string) (OrderResponse, error) {
	var st OrderResponse
	if err := c.post(ctx, "order", OrderRequest{CID: c.cid, TID: tid}, &st); err != nil {
		return st, err
	}
	switch {
	case st.TID != tid:
		return st, wire.Fail(payment.ErrMismatch, Name, "asked for payment %s, KakaoPay answered with %s", tid, st.TID)
	case st.PartnerOrderID != o.ID || st.PartnerUserID != o.User:
		return st, wire.Fail(payment.ErrMismatch, Name, "payment %s is order %s of account %s, not order %s of account %s",
			tid, st.PartnerOrderID, st.PartnerUserID, o.ID, o.User)
	case st.Amount.Total != o.Amount || o.Currency != "KRW":
		return st, wire.Fail(payment.ErrMismatch, Name, "payment %s is %s; order %s is %s",
			tid, wire.Money(st.Amount.Total, "KRW"), o.ID, wire.Money(o.Amount, o.Currency))
	}
	return st, nil
}

// paid is the approved payment in st.
func paid(st OrderResponse) (payment.Paid, error) {
	for _, a := range st.PaymentActionDetails {
		if a.PaymentActionType == actionTypePayment && a.AID != "" {
			return payment.Paid{PaymentID: a.AID, Amount: st.Amount.Total, Currency: "KRW"}, nil
		}
	}
	return payment.Paid{}, wire.Fail(payment.ErrUnavailable, Name, "payment %s is approved but its approval is not listed", st.TID)
}

// settled answers for a payment whose state decides Finish by itself; ok
// is false while it still waits for the buyer or for approve.
func settled(st OrderResponse) (p payment.Paid, err error, ok bool) {
	switch st.Status {
	case StatusSuccess:
		p, err = paid(st)
		return p, err, true
	case StatusCancel, StatusPartCancel:
		return p, wire.Fail(payment.ErrDeclined, Name, "payment %s was approved and then canceled; it cannot pay again", st.TID), true
	case StatusQuit:
		return p, wire.Fail(payment.ErrCanceled, Name, "payment %s was canceled on KakaoPay's page", st.TID), true
	case StatusFailAuth, StatusFail:
		return p, wire.Fail(payment.ErrDeclined, Name, "payment %s failed at KakaoPay (%s)", st.TID, st.Status), true
	}
	return p, nil, false
}

// Finish confirms the payment c.Ref: from its state when that is settled,
// else by approve with q's pg_token (only on outcome=approve).
func (c *Client) Finish(ctx context.Context, o payment.Order, ch payment.Checkout, q url.Values) (payment.Paid, error) {
	st, err := c.order(ctx, o, ch.Ref)
	if err != nil {
		return payment.Paid{}, err
	}
	if p, err, ok := settled(st); ok {
		return p, err
	}
	q = repaired(q)
	token := q.Get("pg_token")
	switch {
	case q.Get("outcome") == "cancel":
		return payment.Paid{}, wire.Fail(payment.ErrCanceled, Name, "the buyer left KakaoPay's page without paying")
	case q.Get("outcome") == "fail":
		return payment.Paid{}, wire.Fail(payment.ErrDeclined, Name, "KakaoPay reported the payment failed")
	case q.Get("outcome") != "approve" || token == "":
		return payment.Paid{}, wire.Fail(payment.ErrPending, Name, "payment %s is %s and the return carries no pg_token", ch.Ref, st.Status)
	}
	var a ApproveResponse
	err = c.post(ctx, "approve", ApproveRequest{CID: c.cid, TID: ch.Ref, PartnerOrderID: o.ID, PartnerUserID: o.User, PGToken: token}, &a)
	if wire.CodeOf(err) == strconv.Itoa(CodeAlreadyApproved) { // a second Finish raced this one
		if st, err = c.order(ctx, o, ch.Ref); err != nil {
			return payment.Paid{}, err
		}
		if p, err, ok := settled(st); ok {
			return p, err
		}
		return payment.Paid{}, wire.Fail(payment.ErrUnavailable, Name, "payment %s was called approved but is %s", ch.Ref, st.Status)
	}
	if err != nil {
		return payment.Paid{}, err
	}
	switch {
	case a.TID != ch.Ref || a.PartnerOrderID != o.ID || a.PartnerUserID != o.User:
		return payment.Paid{}, wire.Fail(payment.ErrMismatch, Name, "the approval is for payment %s, order %s, not %s, %s", a.TID, a.PartnerOrderID, ch.Ref, o.ID)
	case a.Amount.Total != o.Amount:
		return payment.Paid{}, wire.Fail(payment.ErrMismatch, Name, "KakaoPay approved %s; order %s is %s",
			wire.Money(a.Amount.Total, "KRW"), o.ID, wire.Money(o.Amount, o.Currency))
	case a.AID == "":
		return payment.Paid{}, wire.Fail(payment.ErrUnavailable, Name, "the approval carries no aid")
	}
	return payment.Paid{PaymentID: a.AID, Amount: a.Amount.Total, Currency: "KRW"}, nil
}

// repaired reads a return whose approval_url had a query of its own and
// got "?pg_token=…" appended to it as if it had none: the last value then
// ends in "?pg_token=…". q itself is not changed.
func repaired(q url.Values) url.Values {
	if q.Get("pg_token") != "" {
		return q
	}
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		if v, tok, ok := strings.Cut(vs[len(vs)-1], "?pg_token="); ok {
			out := url.Values{}
			for k2, vs2 := range q {
				out[k2] = append([]string(nil), vs2...)
			}
			out[k][len(vs)-1] = v
			out.Set("pg_token", tok)
			return out
		}
	}
	return q
}

// Refund cancels what is still cancelable of payment p; a payment
// already canceled in full is no error.
func (c *Client) Refund(ctx context.Context, o payment.Order, ch payment.Checkout, pd payment.Paid) error {
	st, err := c.order(ctx, o, ch.Ref)
	if err != nil {
		return err
	}
	if got, err := paid(st); err == nil && got.PaymentID != pd.PaymentID {
		return wire.Fail(payment.ErrMismatch, Name, "payment %s was approved as %s, not %s", ch.Ref, got.PaymentID, pd.PaymentID)
	}
	switch st.Status {
	case StatusCancel:
		return nil
	case StatusSuccess, StatusPartCancel:
	default:
		return wire.Fail(payment.ErrDeclined, Name, "payment %s is %s: nothing was paid, so nothing is refunded", ch.Ref, st.Status)
	}
	var r CancelResponse
	err = c.post(ctx, "cancel", CancelRequest{CID: c.cid, TID: ch.Ref,
		CancelAmount: st.CancelAvailableAmount.Total, CancelTaxFreeAmount: st.CancelAvailableAmount.TaxFree}, &r)
	if err != nil {
		// Another Refund may have canceled it meanwhile.
		if again, err2 := c.order(ctx, o, ch.Ref); err2 == nil && again.Status == StatusCancel {
			return nil
		}
		return err
	}
	if r.Status != StatusCancel {
		return wire.Fail(payment.ErrUnavailable, Name, "payment %s is %s after the cancel", ch.Ref, r.Status)
	}
	return nil
}
