package kakaopay

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// FakeOptions configures a Fake.
type FakeOptions struct {
	Prefix    string // the path it is mounted under ("/kakaopay"); "" is /
	SecretKey string // the secret key it accepts
	CID       string // the merchant it knows; "" is TestCID
	Now       func() time.Time
}

// Fake is a local KakaoPay: the single-payment endpoints, their refusals,
// and the page where the buyer approves, cancels or fails. It checks cid,
// tid, partner ids, pg_token and amounts as KakaoPay does. It is an
// http.Handler, safe for concurrent use; all state is in memory.
type Fake struct {
	opts FakeOptions
	mux  *http.ServeMux

	mu   sync.Mutex // guards pays
	pays map[string]*fakePay
}

var _ http.Handler = (*Fake)(nil)

type fakePay struct {
	ready     ReadyRequest
	tid       string
	status    string
	created   time.Time
	pgToken   string
	aid       string
	approved  time.Time
	canceled  int64 // total canceled so far
	canceledT time.Time
	approvals int // how many approves succeeded (the tests count them)
}

// NewFake returns a KakaoPay with no payments.
func NewFake(opts FakeOptions) *Fake {
	if opts.CID == "" {
		opts.CID = TestCID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Prefix = strings.TrimRight(opts.Prefix, "/")
	f := &Fake{opts: opts, mux: http.NewServeMux(), pays: make(map[string]*fakePay)}
	p := opts.Prefix
	f.mux.HandleFunc("POST "+p+"/online/v1/payment/ready", f.api(f.readyAPI))
	f.mux.HandleFunc("POST "+p+"/online/v1/payment/approve", f.api(f.approveAPI))
	f.mux.HandleFunc("POST "+p+"/online/v1/payment/order", f.api(f.orderAPI))
	f.mux.HandleFunc("POST "+p+"/online/v1/payment/cancel", f.api(f.cancelAPI))
	f.mux.HandleFunc("GET "+p+"/pay/{tid}", f.page)
	f.mux.HandleFunc("POST "+p+"/pay/{tid}", f.choose)
	f.mux.HandleFunc("GET "+p+"/fake.css", wire.ServeCSS)
	return f
}

// ServeHTTP serves the API and the buyer's page.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Approvals is how many times payment tid was approved (at most once).
func (f *Fake) Approvals(tid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.pays[tid]; ok {
		return p.approvals
	}
	return 0
}

// Count is how many payments were readied.
func (f *Fake) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.pays)
}

// kakaoError is a refusal in KakaoPay's shape.
type kakaoError struct {
	status int
	body   ErrorBody
}

func refuse(status, code int, format string, args ...any) *kakaoError {
	return &kakaoError{status: status, body: ErrorBody{ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)}}
}

// api checks the secret key and the body's media type, decodes the body
// into a fresh T, takes the lock and answers with h's result.
func (f *Fake) api(h func(r *http.Request, body []byte) (any, *kakaoError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("SECRET_KEY "+f.opts.SecretKey)) != 1 {
			writeRefusal(w, refuse(http.StatusUnauthorized, CodeUnauthorized, "invalid secret key: Authorization must be SECRET_KEY {key}"))
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeRefusal(w, refuse(http.StatusBadRequest, CodeInvalidParam, "Content-Type must be application/json"))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeRefusal(w, refuse(http.StatusBadRequest, CodeInvalidParam, "the body could not be read"))
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		out, e := h(r, body)
		if e != nil {
			writeRefusal(w, e)
			return
		}
		wire.WriteJSON(w, http.StatusOK, out)
	}
}

func writeRefusal(w http.ResponseWriter, e *kakaoError) { wire.WriteJSON(w, e.status, e.body) }

func decode(body []byte, v any) *kakaoError {
	if err := json.Unmarshal(body, v); err != nil {
		return refuse(http.StatusBadRequest, CodeInvalidParam, "invalid request: %v", err)
	}
	return nil
}

// kst is the time zone of KakaoPay's timestamps.
var kst = time.FixedZone("KST", 9*60*60)

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format("2006-01-02T15:04:05")
}

func okURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(raw) <= 255
}

func (f *Fake) readyAPI(r *http.Request, body []byte) (any, *kakaoError) {
	var req ReadyRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	bad := func(format string, args ...any) (any, *kakaoError) {
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, format, args...)
	}
	switch {
	case req.CID != f.opts.CID:
		return bad("invalid cid %q", req.CID)
	case req.PartnerOrderID == "" || len(req.PartnerOrderID) > 100:
		return bad("partner_order_id is required, at most 100 characters")
	case req.PartnerUserID == "" || len(req.PartnerUserID) > 100:
		return bad("partner_user_id is required, at most 100 characters")
	case req.ItemName == "" || len([]rune(req.ItemName)) > 100:
		return bad("item_name is required, at most 100 characters")
	case req.Quantity < 1:
		return bad("quantity must be at least 1")
	case req.TotalAmount <= 0:
		return bad("total_amount must be more than 0")
	case req.TaxFreeAmount < 0 || req.TaxFreeAmount > req.TotalAmount:
		return bad("tax_free_amount must be between 0 and total_amount")
	case !okURL(req.ApprovalURL) || !okURL(req.CancelURL) || !okURL(req.FailURL):
		return bad("approval_url, cancel_url and fail_url must be absolute http(s) URLs of at most 255 characters")
	}
	tid := wire.NewID("T", 10)
	p := &fakePay{ready: req, tid: tid, status: StatusReady, created: f.opts.Now()}
	f.pays[tid] = p
	page := wire.Origin(r) + f.opts.Prefix + "/pay/" + tid
	return ReadyResponse{
		TID: tid, NextRedirectPCURL: page, NextRedirectMobileURL: page + "?device=mobile", NextRedirectAppURL: page + "?device=app",
		AndroidAppScheme: "kakaotalk://kakaopay/pg?url=" + url.QueryEscape(page), IOSAppScheme: "kakaotalk://kakaopay/pg?url=" + url.QueryEscape(page),
		CreatedAt: stamp(p.created),
	}, nil
}

// payment finds the payment of cid and tid.
func (f *Fake) payment(cid, tid string) (*fakePay, *kakaoError) {
	if cid != f.opts.CID {
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "invalid cid %q", cid)
	}
	p, ok := f.pays[tid]
	if !ok {
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "invalid tid %q: no payment was readied with it", tid)
	}
	return p, nil
}

func (f *Fake) expired(p *fakePay) bool {
	return p.status != StatusSuccess && p.status != StatusCancel && p.status != StatusPartCancel &&
		f.opts.Now().Sub(p.created) > ReadyLifetime
}

func (f *Fake) approveAPI(_ *http.Request, body []byte) (any, *kakaoError) {
	var req ApproveRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	p, e := f.payment(req.CID, req.TID)
	if e != nil {
		return nil, e
	}
	switch {
	case req.PartnerOrderID != p.ready.PartnerOrderID || req.PartnerUserID != p.ready.PartnerUserID:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "partner_order_id or partner_user_id differs from the ready request")
	case p.status == StatusSuccess || p.status == StatusCancel || p.status == StatusPartCancel:
		return nil, refuse(http.StatusBadRequest, CodeAlreadyApproved, "payment %s is already approved", p.tid)
	case f.expired(p):
		return nil, refuse(http.StatusBadRequest, CodeExpired, "payment %s expired: it was not approved within 15 minutes of ready", p.tid)
	case p.status == StatusQuit || p.status == StatusFailAuth || p.status == StatusFail:
		e := refuse(http.StatusBadRequest, CodeApprovalFailure, "approval failure!")
		e.body.Extras = &struct {
			MethodResultCode    string `json:"method_result_code"`
			MethodResultMessage string `json:"method_result_message"`
		}{p.status, "the buyer canceled or the payment failed on KakaoPay's page"}
		return nil, e
	case p.status != StatusAuthPassword:
		return nil, refuse(http.StatusBadRequest, CodeNotAuthorized, "payment %s is not authorized by the buyer yet", p.tid)
	case req.PGToken == "" || subtle.ConstantTimeCompare([]byte(req.PGToken), []byte(p.pgToken)) != 1:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "invalid pg_token for payment %s", p.tid)
	}
	p.status, p.aid, p.approved = StatusSuccess, wire.NewID("A", 10), f.opts.Now()
	p.approvals++
	return ApproveResponse{
		AID: p.aid, TID: p.tid, CID: f.opts.CID, PartnerOrderID: p.ready.PartnerOrderID, PartnerUserID: p.ready.PartnerUserID,
		PaymentMethodType: "MONEY", Amount: amountOf(p.ready.TotalAmount, p.ready.TaxFreeAmount), ItemName: p.ready.ItemName,
		Quantity: p.ready.Quantity, CreatedAt: stamp(p.created), ApprovedAt: stamp(p.approved),
	}, nil
}

// amountOf splits total as KakaoPay does when no vat_amount is sent:
// VAT is (total - tax free) / 11, rounded.
func amountOf(total, taxFree int64) Amount {
	return Amount{Total: total, TaxFree: taxFree, VAT: ((total-taxFree)*10 + 55) / 110}
}

func (f *Fake) orderOf(p *fakePay) OrderResponse {
	st := OrderResponse{
		TID: p.tid, CID: f.opts.CID, Status: p.status, PartnerOrderID: p.ready.PartnerOrderID, PartnerUserID: p.ready.PartnerUserID,
		Amount: amountOf(p.ready.TotalAmount, p.ready.TaxFreeAmount), ItemName: p.ready.ItemName, Quantity: p.ready.Quantity,
		CreatedAt: stamp(p.created), ApprovedAt: stamp(p.approved), CanceledAt: stamp(p.canceledT),
		PaymentActionDetails: []Action{},
	}
	if f.expired(p) && (p.status == StatusReady || p.status == StatusAuthPassword) {
		st.Status = StatusFail
	}
	if p.aid != "" {
		st.PaymentMethodType = "MONEY"
		st.CanceledAmount = Amount{Total: p.canceled}
		st.CancelAvailableAmount = Amount{Total: p.ready.TotalAmount - p.canceled}
		st.PaymentActionDetails = append(st.PaymentActionDetails,
			Action{AID: p.aid, ApprovedAt: stamp(p.approved), Amount: p.ready.TotalAmount, PaymentActionType: actionTypePayment})
		if p.canceled > 0 {
			st.PaymentActionDetails = append(st.PaymentActionDetails,
				Action{AID: p.aid, ApprovedAt: stamp(p.canceledT), Amount: p.canceled, PaymentActionType: actionTypeCancel})
		}
	}
	return st
}

func (f *Fake) orderAPI(_ *http.Request, body []byte) (any, *kakaoError) {
	var req OrderRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	p, e := f.payment(req.CID, req.TID)
	if e != nil {
		return nil, e
	}
	return f.orderOf(p), nil
}

func (f *Fake) cancelAPI(_ *http.Request, body []byte) (any, *kakaoError) {
	var req CancelRequest
	if e := decode(body, &req); e != nil {
		return nil, e
	}
	p, e := f.payment(req.CID, req.TID)
	if e != nil {
		return nil, e
	}
	available := p.ready.TotalAmount - p.canceled
	switch {
	case p.status == StatusCancel:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "payment %s is already canceled in full", p.tid)
	case p.status != StatusSuccess && p.status != StatusPartCancel:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "payment %s is %s: only an approved payment can be canceled", p.tid, p.status)
	case req.CancelAmount <= 0 || req.CancelAmount > available:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "cancel_amount %d must be between 1 and the cancel_available_amount %d", req.CancelAmount, available)
	case req.CancelTaxFreeAmount < 0 || req.CancelTaxFreeAmount > req.CancelAmount:
		return nil, refuse(http.StatusBadRequest, CodeInvalidParam, "cancel_tax_free_amount must be between 0 and cancel_amount")
	}
	p.canceled += req.CancelAmount
	p.canceledT = f.opts.Now()
	p.status = StatusPartCancel
	if p.canceled == p.ready.TotalAmount {
		p.status = StatusCancel
	}
	st := f.orderOf(p)
	return CancelResponse{
		AID: p.aid, TID: p.tid, CID: st.CID, Status: st.Status, PartnerOrderID: st.PartnerOrderID, PartnerUserID: st.PartnerUserID,
		PaymentMethodType: st.PaymentMethodType, Amount: st.Amount, ApprovedCancelAmount: Amount{Total: req.CancelAmount, TaxFree: req.CancelTaxFreeAmount},
		CanceledAmount: st.CanceledAmount, CancelAvailableAmount: st.CancelAvailableAmount, ItemName: st.ItemName, Quantity: st.Quantity,
		CreatedAt: st.CreatedAt, ApprovedAt: st.ApprovedAt, CanceledAt: st.CanceledAt,
	}, nil
}

var pages = wire.Pages(`
{{define "pay"}}{{template "head" .}}
<div class="card"><dl>
<dt>Merchant</dt><dd>Careerchain</dd>
<dt>Item</dt><dd>{{.Item}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
</dl></div>
<form method="post" action="{{.Base}}/pay/{{.TID}}">
<button class="pay" name="choice" value="approve">Approve payment</button>
<button class="decline" name="choice" value="fail">Make it fail (test)</button>
<button class="cancel" name="choice" value="cancel">Cancel</button>
</form>
<p class="hint">On the real KakaoPay the buyer confirms in the KakaoTalk app. Here one button stands for it.</p>
{{template "foot" .}}{{end}}
{{define "done"}}{{template "head" .}}
<p class="notice{{if .OK}} ok{{end}}">{{.Said}}</p>
<div class="card"><dl>
<dt>Item</dt><dd>{{.Item}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
</dl></div>
{{if .Back}}<a class="button cancel" href="{{.Back}}">Back to Careerchain</a>{{end}}
{{template "foot" .}}{{end}}`)

type pageData struct {
	Provider, Title, Base string
	TID, Item, Amount     string
	Said, Back            string
	OK                    bool
}

var errNoPayment = errors.New("no such payment")

// view is what the buyer's page shows of tid, and where "back" leads.
func (f *Fake) view(tid string) (pageData, *fakePay, error) {
	d := pageData{Provider: "KakaoPay", Base: f.opts.Prefix, TID: tid}
	p, ok := f.pays[tid]
	if !ok {
		d.Title, d.Said = "Payment not found", "There is no KakaoPay payment with this address. Go back to Careerchain and start the payment again."
		return d, nil, errNoPayment
	}
	d.Item, d.Amount = p.ready.ItemName, wire.Money(p.ready.TotalAmount, "KRW")
	d.Title = "This payment is done"
	switch {
	case f.expired(p):
		d.Said, d.Back = "This payment expired: it waited more than 15 minutes.", p.ready.FailURL
	case p.status == StatusAuthPassword:
		d.Said, d.OK = "You approved this payment.", true
		d.Back, _ = wire.WithQuery(p.ready.ApprovalURL, "pg_token", p.pgToken)
	case p.status == StatusSuccess || p.status == StatusCancel || p.status == StatusPartCancel:
		d.Said, d.OK = "This payment is complete.", true
		d.Back, _ = wire.WithQuery(p.ready.ApprovalURL, "pg_token", p.pgToken)
	case p.status == StatusQuit:
		d.Said, d.Back = "You canceled this payment.", p.ready.CancelURL
	case p.status == StatusFailAuth:
		d.Said, d.Back = "This payment failed.", p.ready.FailURL
	default:
		d.Title = "Pay with KakaoPay"
	}
	return d, p, nil
}

func (f *Fake) page(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	d, p, err := f.view(r.PathValue("tid"))
	f.mu.Unlock()
	switch {
	case err != nil:
		wire.Render(w, pages, http.StatusNotFound, "done", d)
	case p != nil && d.Said == "":
		wire.Render(w, pages, http.StatusOK, "pay", d)
	default:
		wire.Render(w, pages, http.StatusOK, "done", d)
	}
}

func (f *Fake) choose(w http.ResponseWriter, r *http.Request) {
	choice := r.PostFormValue("choice")
	f.mu.Lock()
	d, p, err := f.view(r.PathValue("tid"))
	var back string
	if err == nil && d.Said == "" { // still waiting for the buyer
		switch choice {
		case "approve":
			p.status, p.pgToken = StatusAuthPassword, wire.NewID("", 10)
			back, _ = wire.WithQuery(p.ready.ApprovalURL, "pg_token", p.pgToken)
		case "cancel":
			p.status, back = StatusQuit, p.ready.CancelURL
		case "fail":
			p.status, back = StatusFailAuth, p.ready.FailURL
		}
	}
	f.mu.Unlock()
	switch {
	case err != nil:
		wire.Render(w, pages, http.StatusNotFound, "done", d)
	case back != "":
		http.Redirect(w, r, back, http.StatusSeeOther)
	case d.Said == "":
		http.Error(w, "Choose Approve, Fail or Cancel on the payment page.", http.StatusBadRequest)
	default: // decided before: a second click or a reload
		wire.Render(w, pages, http.StatusOK, "done", d)
	}
}
