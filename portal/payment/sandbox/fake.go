package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// FakeOptions configures a Fake.
type FakeOptions struct {
	// Prefix is the path the fake is mounted under ("/sandbox"); its
	// routes and the URLs it hands out start with it. "" mounts it at /.
	Prefix string
	// Key is the API key it accepts (Authorization: Bearer {Key}).
	Key string
	// Now is its clock; nil is time.Now.
	Now func() time.Time
}

// Fake is the sandbox server: its API, its hosted page and its payments,
// all in memory. It is an http.Handler, safe for concurrent use.
type Fake struct {
	opts FakeOptions
	mux  *http.ServeMux

	mu       sync.Mutex // guards what follows
	payments map[string]*Payment
	idem     wire.Idempotency
}

var _ http.Handler = (*Fake)(nil)

// NewFake returns a sandbox server with no payments.
func NewFake(opts FakeOptions) *Fake {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Prefix = strings.TrimRight(opts.Prefix, "/")
	f := &Fake{opts: opts, mux: http.NewServeMux(), payments: make(map[string]*Payment)}
	p := opts.Prefix
	f.mux.HandleFunc("POST "+p+"/v1/payments", f.api(f.create))
	f.mux.HandleFunc("GET "+p+"/v1/payments/{id}", f.api(f.get))
	f.mux.HandleFunc("POST "+p+"/v1/payments/{id}/refund", f.api(f.refund))
	f.mux.HandleFunc("GET "+p+"/checkout/{id}", f.page)
	f.mux.HandleFunc("POST "+p+"/checkout/{id}", f.choose)
	f.mux.HandleFunc("GET "+p+"/fake.css", wire.ServeCSS)
	return f
}

// ServeHTTP serves the API and the hosted page.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Payment is the server's record of payment id, as its API would answer.
func (f *Fake) Payment(id string) (Payment, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Count is how many payments the server holds.
func (f *Fake) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.payments)
}

// apiError is a refusal in the sandbox's error format.
type apiError struct {
	status        int
	code, message string
}

func refuse(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// api wraps an API handler: it checks the key, takes the lock and writes
// the refusal or the answer. h returns the payment to answer with.
func (f *Fake) api(h func(r *http.Request, body []byte) (*Payment, *apiError)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.opts.Key {
			writeError(w, refuse(http.StatusUnauthorized, codeUnauthorized, "the API key is missing or wrong"))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeError(w, refuse(http.StatusBadRequest, codeInvalidRequest, "the request body could not be read"))
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost {
			key = ""
		}
		f.idem.Serve(w, key, r.Method+" "+r.URL.Path+"\n"+string(body),
			func() {
				writeError(w, refuse(http.StatusBadRequest, codeIdempotency, "Idempotency-Key %q was used with another request", key))
			},
			func() (any, bool) {
				p, e := h(r, body)
				if e != nil {
					writeError(w, e)
					return nil, false
				}
				return p, true
			})
	}
}

func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error = &struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{e.code, e.message}
	wire.WriteJSON(w, e.status, b)
}

func (f *Fake) create(r *http.Request, body []byte) (*Payment, *apiError) {
	if r.Header.Get("Idempotency-Key") == "" {
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "an Idempotency-Key header is required")
	}
	var req createRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "the body is not a payment request: %v", err)
	}
	u, err := url.Parse(req.ReturnURL)
	switch {
	case req.OrderID == "":
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "order_id is required")
	case req.Amount <= 0:
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "amount must be a positive integer in the minor unit")
	case !wire.IsCurrency(req.Currency):
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "currency %q is not an ISO 4217 code", req.Currency)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, refuse(http.StatusBadRequest, codeInvalidRequest, "return_url must be an absolute http(s) URL")
	}
	id := wire.NewID("sbx_", 12)
	p := &Payment{
		ID: id, OrderID: req.OrderID, Amount: req.Amount, Currency: req.Currency, Description: req.Description,
		Status: StatusPending, ReturnURL: req.ReturnURL, Created: f.opts.Now().Unix(),
		CheckoutURL: wire.Origin(r) + f.opts.Prefix + "/checkout/" + id,
	}
	f.payments[id] = p
	return p, nil
}

func (f *Fake) get(r *http.Request, _ []byte) (*Payment, *apiError) {
	p, ok := f.payments[r.PathValue("id")]
	if !ok {
		return nil, refuse(http.StatusNotFound, codeNotFound, "no payment %q", r.PathValue("id"))
	}
	return p, nil
}

func (f *Fake) refund(r *http.Request, _ []byte) (*Payment, *apiError) {
	p, ok := f.payments[r.PathValue("id")]
	switch {
	case !ok:
		return nil, refuse(http.StatusNotFound, codeNotFound, "no payment %q", r.PathValue("id"))
	case p.Status == StatusRefunded:
		return nil, refuse(http.StatusBadRequest, codeAlreadyRefunded, "payment %s is already refunded", p.ID)
	case p.Status != StatusSucceeded:
		return nil, refuse(http.StatusBadRequest, codeNotRefundable, "payment %s is %s; only a succeeded payment can be refunded", p.ID, p.Status)
	}
	p.Status = StatusRefunded
	return p, nil
}

var pages = wire.Pages(`
{{define "checkout"}}{{template "head" .}}
{{if .Said}}<p class="notice">{{.Said}}</p>{{end}}
<div class="card"><dl>
<dt>Paying for</dt><dd>{{.P.Description}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
<dt>Order</dt><dd>{{.P.OrderID}}</dd>
</dl></div>
<form method="post" action="{{.Base}}/checkout/{{.P.ID}}">
<button class="pay" name="choice" value="approve">Pay (success)</button>
<button class="decline" name="choice" value="fail">Decline</button>
<button class="cancel" name="choice" value="cancel">Cancel</button>
</form>
<p class="hint">Choose what the payment should do. You go back to Careerchain right after.</p>
{{template "foot" .}}{{end}}
{{define "decided"}}{{template "head" .}}
<p class="notice{{if .OK}} ok{{end}}">{{.Said}}</p>
<div class="card"><dl>
<dt>Paying for</dt><dd>{{.P.Description}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
</dl></div>
{{if .Back}}<a class="button cancel" href="{{.Back}}">Back to Careerchain</a>{{end}}
{{template "foot" .}}{{end}}
{{define "missing"}}{{template "head" .}}
<p class="notice">There is no sandbox payment with this address. Go back to Careerchain and start the payment again.</p>
{{template "foot" .}}{{end}}`)

type pageData struct {
	Provider, Title, Base string
	P                     Payment
	Amount, Said, Back    string
	OK                    bool
}

func (f *Fake) pageData(p Payment) pageData {
	return pageData{Provider: "Sandbox", Base: f.opts.Prefix, P: p, Amount: wire.Money(p.Amount, p.Currency)}
}

// outcomes maps a tester's choice to the payment's status and the
// return's outcome.
var outcomes = map[string]string{"approve": StatusSucceeded, "fail": StatusDeclined, "cancel": StatusCanceled}

func outcomeOf(status string) string {
	for o, s := range outcomes {
		if s == status {
			return o
		}
	}
	return ""
}

func (f *Fake) page(w http.ResponseWriter, r *http.Request) {
	p, ok := f.Payment(r.PathValue("id"))
	if !ok {
		wire.Render(w, pages, http.StatusNotFound, "missing", pageData{Provider: "Sandbox", Title: "Payment not found", Base: f.opts.Prefix})
		return
	}
	if !open(p.Status) {
		f.decided(w, p)
		return
	}
	d := f.pageData(p)
	d.Title = "Test payment"
	d.Said = map[string]string{
		StatusDeclined: "The last try was declined. You can choose again.",
		StatusCanceled: "You canceled the last try. You can choose again.",
	}[p.Status]
	wire.Render(w, pages, http.StatusOK, "checkout", d)
}

// open says whether a tester may still choose: nothing chosen yet, or a
// decline or cancel, after which the person may try again as with a card.
func open(status string) bool {
	return status == StatusPending || status == StatusDeclined || status == StatusCanceled
}

// decided shows a payment whose choice is made, with the way back.
func (f *Fake) decided(w http.ResponseWriter, p Payment) {
	d := f.pageData(p)
	d.Title = "This payment is done"
	d.Said = map[string]string{StatusSucceeded: "This payment is paid.", StatusRefunded: "This payment was paid and then refunded."}[p.Status]
	d.OK = p.Status == StatusSucceeded
	if o := outcomeOf(p.Status); o != "" {
		d.Back, _ = wire.WithQuery(p.ReturnURL, "outcome", o, "payment_id", p.ID)
	}
	wire.Render(w, pages, http.StatusOK, "decided", d)
}

func (f *Fake) choose(w http.ResponseWriter, r *http.Request) {
	status, ok := outcomes[r.PostFormValue("choice")]
	if !ok {
		http.Error(w, "Choose Pay, Decline or Cancel on the payment page.", http.StatusBadRequest)
		return
	}
	p, err := f.decide(r.PathValue("id"), status)
	if errors.Is(err, errMissing) {
		wire.Render(w, pages, http.StatusNotFound, "missing", pageData{Provider: "Sandbox", Title: "Payment not found", Base: f.opts.Prefix})
		return
	}
	if err != nil { // paid before: a second click or a reload
		f.decided(w, p)
		return
	}
	back, err := wire.WithQuery(p.ReturnURL, "outcome", outcomeOf(p.Status), "payment_id", p.ID)
	if err != nil {
		http.Error(w, "the return URL of this payment is broken", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

var (
	errMissing = errors.New("no such payment")
	errDecided = errors.New("already decided")
)

// decide sets the status of a payment that is still open.
func (f *Fake) decide(id, status string) (Payment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.payments[id]
	if !ok {
		return Payment{}, errMissing
	}
	if !open(p.Status) {
		return *p, errDecided
	}
	p.Status = status
	return *p, nil
}
