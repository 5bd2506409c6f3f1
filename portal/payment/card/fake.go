package card

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/careerchain/careerchain/portal/payment/internal/wire"
)

// FakeOptions configures a Fake.
type FakeOptions struct {
	Prefix        string // the path it is mounted under ("/card"); "" is /
	SecretKey     string // the API key it accepts (Bearer)
	WebhookSecret string // the key it signs webhooks with
	// WebhookURL is where it sends events; "" keeps them unsent (Events
	// still lists them). SetWebhookURL changes it later.
	WebhookURL string
	// RetryDelay is the wait before a failed delivery is tried again
	// (three tries in all); 0 is one second.
	RetryDelay time.Duration
	HTTP       *http.Client // for deliveries; nil is a 10 s timeout client
	Now        func() time.Time
	Log        *slog.Logger // nil discards
}

// Fake is a local card processor: checkout sessions, refunds, the hosted
// card page and signed webhooks. It is an http.Handler, safe for
// concurrent use. It owns one goroutine, which delivers webhooks in order;
// Close stops it.
type Fake struct {
	opts FakeOptions
	mux  *http.ServeMux

	mu         sync.Mutex // guards what follows
	webhookURL string
	sessions   map[string]*fakeSession
	byIntent   map[string]string // payment intent → session
	idem       wire.Idempotency
	events     []SentEvent
	queue      []string // event IDs waiting for delivery
	closed     bool

	wake   chan struct{} // a nudge to the deliverer; capacity 1
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

var _ http.Handler = (*Fake)(nil)

type fakeSession struct {
	s        Session
	item     string
	declined bool // the last card tried was declined
	refunded int64
}

// SentEvent is a webhook the Fake made: its ID, type, body, and the
// signature header of its last delivery.
type SentEvent struct {
	ID, Type  string
	Body      []byte
	Signature string
	Attempts  int  // deliveries tried
	Delivered bool // a delivery got a 2xx
}

// NewFake returns a processor with no sessions; its deliverer runs until Close.
func NewFake(opts FakeOptions) *Fake {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = time.Second
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.Prefix = strings.TrimRight(opts.Prefix, "/")
	ctx, cancel := context.WithCancel(context.Background())
	f := &Fake{opts: opts, mux: http.NewServeMux(), webhookURL: opts.WebhookURL,
		sessions: make(map[string]*fakeSession), byIntent: make(map[string]string),
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	p := opts.Prefix
	f.mux.HandleFunc("POST "+p+"/v1/checkout/sessions", f.api(f.createSession))
	f.mux.HandleFunc("GET "+p+"/v1/checkout/sessions/{id}", f.api(f.getSession))
	f.mux.HandleFunc("POST "+p+"/v1/refunds", f.api(f.createRefund))
	f.mux.HandleFunc("GET "+p+"/pay/{id}", f.page)
	f.mux.HandleFunc("POST "+p+"/pay/{id}", f.choose)
	f.mux.HandleFunc("GET "+p+"/events", f.eventsPage)
	f.mux.HandleFunc("POST "+p+"/events/{id}/resend", f.resend)
	f.mux.HandleFunc("GET "+p+"/fake.css", wire.ServeCSS)
	go f.deliverer()
	return f
}

// ServeHTTP serves the API and the hosted page.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Close stops deliveries and waits for the deliverer; it is idempotent.
func (f *Fake) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	<-f.done
	return nil
}

// SetWebhookURL sets where events go from now on.
func (f *Fake) SetWebhookURL(u string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhookURL = u
	f.nudge()
}

// Events lists the webhooks made so far, oldest first.
func (f *Fake) Events() []SentEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.events)
	for i := range out {
		out[i].Body = bytes.Clone(out[i].Body)
	}
	return out
}

// Resend queues event id for delivery again, signed anew with the current
// time, as the processor does when it retries or is asked to resend.
func (f *Fake) Resend(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.events {
		if f.events[i].ID == id {
			f.queue = append(f.queue, id)
			f.nudge()
			return nil
		}
	}
	return fmt.Errorf("card fake: no event %q", id)
}

// nudge wakes the deliverer; the caller holds mu.
func (f *Fake) nudge() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// emit records an event and queues it; the caller holds mu.
func (f *Fake) emit(typ string, object any) {
	obj, _ := json.Marshal(object)
	ev := Event{ID: wire.NewID("evt_", 12), Object: "event", Type: typ, Created: f.opts.Now().Unix()}
	ev.Data.Object = obj
	body, _ := json.Marshal(ev)
	f.events = append(f.events, SentEvent{ID: ev.ID, Type: typ, Body: body})
	f.queue = append(f.queue, ev.ID)
	f.nudge()
}

// deliverer sends queued events one at a time, in order.
func (f *Fake) deliverer() {
	defer close(f.done)
	for {
		f.mu.Lock()
		if len(f.queue) == 0 || f.webhookURL == "" {
			f.mu.Unlock()
			select {
			case <-f.ctx.Done():
				return
			case <-f.wake:
				continue
			}
		}
		id := f.queue[0]
		f.queue = f.queue[1:]
		target := f.webhookURL
		i := slices.IndexFunc(f.events, func(e SentEvent) bool { return e.ID == id })
		body := f.events[i].Body
		f.mu.Unlock()
		for try := range 3 {
			if try > 0 {
				select {
				case <-f.ctx.Done():
					return
				case <-time.After(f.opts.RetryDelay):
				}
			}
			if f.deliver(target, i, body) {
				break
			}
		}
	}
}

// deliver posts event i once; it reports a 2xx.
func (f *Fake) deliver(target string, i int, body []byte) bool {
	sig := Sign(f.opts.WebhookSecret, body, f.opts.Now())
	f.mu.Lock()
	f.events[i].Signature = sig
	f.events[i].Attempts++
	f.mu.Unlock()
	req, err := http.NewRequestWithContext(f.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		f.opts.Log.Warn("card fake: webhook URL", "url", target, "err", err)
		return false
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Signature", sig)
	req.Header.Set("User-Agent", "careerchain-card-fake/1")
	resp, err := f.opts.HTTP.Do(req)
	if err != nil {
		f.opts.Log.Warn("card fake: webhook not delivered", "url", target, "err", err)
		return false
	}
	resp.Body.Close()
	ok := resp.StatusCode/100 == 2
	if ok {
		f.mu.Lock()
		f.events[i].Delivered = true
		f.mu.Unlock()
	} else {
		f.opts.Log.Warn("card fake: webhook refused", "url", target, "status", resp.StatusCode)
	}
	return ok
}

// apiRefusal is a refusal in the processor's format.
type apiRefusal struct {
	status int
	err    APIError
}

func invalid(param, format string, args ...any) *apiRefusal {
	return &apiRefusal{status: http.StatusBadRequest, err: APIError{Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...)}}
}

// api checks the key, replays an idempotent request, takes the lock and
// answers with h's result.
func (f *Fake) api(h func(r *http.Request) (any, *apiRefusal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(f.opts.SecretKey)) != 1 {
			writeRefusal(w, &apiRefusal{status: http.StatusUnauthorized, err: APIError{Type: "invalid_request_error", Code: "api_key_invalid",
				Message: "Invalid API Key provided."}})
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err != nil {
				writeRefusal(w, invalid("", "the body is not form-encoded: %v", err))
				return
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		idem := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost {
			idem = ""
		}
		f.idem.Serve(w, idem, r.Method+" "+r.URL.Path+"\n"+r.PostForm.Encode(),
			func() {
				writeRefusal(w, &apiRefusal{status: http.StatusBadRequest, err: APIError{Type: "idempotency_error",
					Message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with; %q was used with others.", idem)}})
			},
			func() (any, bool) {
				out, e := h(r)
				if e != nil {
					writeRefusal(w, e)
					return nil, false
				}
				return out, true
			})
	}
}

func writeRefusal(w http.ResponseWriter, e *apiRefusal) {
	wire.WriteJSON(w, e.status, ErrorBody{Error: &e.err})
}

func checkURL(param, raw string) *apiRefusal {
	u, err := url.Parse(strings.ReplaceAll(raw, sessionIDTemplate, "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid(param, "%s must be an absolute http(s) URL", param)
	}
	return nil
}

func (f *Fake) createSession(r *http.Request) (any, *apiRefusal) {
	v := r.PostForm
	for k := range v {
		if strings.HasPrefix(k, "line_items[") && !strings.HasPrefix(k, "line_items[0]") {
			return nil, invalid(k, "this test processor takes one line item")
		}
	}
	amount, err := strconv.ParseInt(v.Get("line_items[0][price_data][unit_amount]"), 10, 64)
	qty, qerr := strconv.ParseInt(v.Get("line_items[0][quantity]"), 10, 64)
	cur := v.Get("line_items[0][price_data][currency]")
	switch {
	case v.Get("mode") != "payment":
		return nil, invalid("mode", "mode must be payment")
	case err != nil || amount <= 0:
		return nil, invalid("line_items[0][price_data][unit_amount]", "unit_amount must be a positive integer")
	case qerr != nil || qty < 1:
		return nil, invalid("line_items[0][quantity]", "quantity must be at least 1")
	case !wire.IsCurrency(strings.ToUpper(cur)):
		return nil, invalid("line_items[0][price_data][currency]", "Invalid currency: %s", cur)
	case v.Get("line_items[0][price_data][product_data][name]") == "":
		return nil, invalid("line_items[0][price_data][product_data][name]", "the product needs a name")
	}
	if e := checkURL("success_url", v.Get("success_url")); e != nil {
		return nil, e
	}
	if e := checkURL("cancel_url", v.Get("cancel_url")); e != nil {
		return nil, e
	}
	meta := map[string]string{}
	for k, vals := range v {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") {
			meta[strings.TrimSuffix(name, "]")] = vals[0]
		}
	}
	now := f.opts.Now()
	id := wire.NewID("cs_test_", 16)
	s := Session{
		ID: id, Object: "checkout.session", URL: wire.Origin(r) + f.opts.Prefix + "/pay/" + id, Mode: "payment",
		Status: StatusOpen, PaymentStatus: PaymentUnpaid, AmountTotal: amount * qty, Currency: strings.ToLower(cur),
		ClientReferenceID: v.Get("client_reference_id"), SuccessURL: v.Get("success_url"), CancelURL: v.Get("cancel_url"),
		Metadata: meta, Created: now.Unix(), ExpiresAt: now.Add(24 * time.Hour).Unix(),
	}
	f.sessions[id] = &fakeSession{s: s, item: v.Get("line_items[0][price_data][product_data][name]")}
	return s, nil
}

// current is session fs with its expiry applied; the caller holds mu.
func (f *Fake) current(fs *fakeSession) Session {
	if fs.s.Status == StatusOpen && f.opts.Now().Unix() >= fs.s.ExpiresAt {
		fs.s.Status = StatusExpired
		f.emit(EventSessionExpired, fs.s)
	}
	return fs.s
}

func (f *Fake) getSession(r *http.Request) (any, *apiRefusal) {
	fs, ok := f.sessions[r.PathValue("id")]
	if !ok {
		e := invalid("id", "No such checkout.session: '%s'", r.PathValue("id"))
		e.status, e.err.Code = http.StatusNotFound, "resource_missing"
		return nil, e
	}
	return f.current(fs), nil
}

func (f *Fake) createRefund(r *http.Request) (any, *apiRefusal) {
	pi := r.PostForm.Get("payment_intent")
	sid, ok := f.byIntent[pi]
	if !ok {
		e := invalid("payment_intent", "No such payment_intent: '%s'", pi)
		e.status, e.err.Code = http.StatusNotFound, "resource_missing"
		return nil, e
	}
	fs := f.sessions[sid]
	left := fs.s.AmountTotal - fs.refunded
	amount := left
	if a := r.PostForm.Get("amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			return nil, invalid("amount", "amount must be a positive integer")
		}
		amount = n
	}
	switch {
	case left == 0:
		e := invalid("payment_intent", "Charge for %s has already been refunded.", pi)
		e.err.Code = codeChargeAlreadyRefunds
		return nil, e
	case amount > left:
		e := invalid("amount", "Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, left)
		e.err.Code = "amount_too_large"
		return nil, e
	}
	fs.refunded += amount
	meta := map[string]string{}
	for k, vals := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(name, "]") {
			meta[strings.TrimSuffix(name, "]")] = vals[0]
		}
	}
	ref := Refund{ID: wire.NewID("re_", 12), Object: "refund", Amount: amount, Currency: fs.s.Currency,
		PaymentIntent: pi, Status: "succeeded", Metadata: meta, Created: f.opts.Now().Unix()}
	f.emit(EventRefundCreated, ref)
	return ref, nil
}

// Refunded is how much of session id's payment was refunded.
func (f *Fake) Refunded(id string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fs, ok := f.sessions[id]; ok {
		return fs.refunded
	}
	return 0
}

// Count is how many checkout sessions were created.
func (f *Fake) Count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

var pages = wire.Pages(`
{{define "pay"}}{{template "head" .}}
{{if .Declined}}<p class="notice">Your card was declined. Try another card, or go back to Careerchain.</p>{{end}}
<div class="card"><dl>
<dt>Paying for</dt><dd>{{.Item}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
</dl></div>
<form method="post" action="{{.Base}}/pay/{{.ID}}">
<button class="pay" name="card" value="4242424242424242">Pay (test card …4242)</button>
<button class="decline" name="card" value="4000000000000002">Decline (test card …0002)</button>
<button class="cancel" name="card" value="cancel">Cancel and go back</button>
</form>
<p class="hint">Test mode: these buttons stand for the card form of the real processor.</p>
{{template "foot" .}}{{end}}
{{define "events"}}{{template "head" .}}
<p class="hint">Every webhook this test processor made, newest first. "Send again" delivers the same event, signed anew, as the processor does when it retries; a portal must not count it twice.</p>
{{range .Events}}<div class="card"><dl>
<dt>Event</dt><dd>{{.ID}}</dd>
<dt>Type</dt><dd>{{.Type}}</dd>
<dt>Delivered</dt><dd>{{if .Delivered}}yes{{else}}not yet{{end}}, after {{.Attempts}} {{if eq .Attempts 1}}try{{else}}tries{{end}}</dd>
</dl>
<form method="post" action="{{$.Base}}/events/{{.ID}}/resend"><button class="cancel">Send again</button></form>
</div>{{else}}<p class="notice">No webhooks yet. Pay for something first.</p>{{end}}
{{template "foot" .}}{{end}}
{{define "done"}}{{template "head" .}}
<p class="notice{{if .OK}} ok{{end}}">{{.Said}}</p>
{{if .Item}}<div class="card"><dl>
<dt>Paying for</dt><dd>{{.Item}}</dd>
<dt>Amount</dt><dd class="amount">{{.Amount}}</dd>
</dl></div>{{end}}
{{if .Back}}<a class="button cancel" href="{{.Back}}">Back to Careerchain</a>{{end}}
{{template "foot" .}}{{end}}`)

func (f *Fake) eventsPage(w http.ResponseWriter, _ *http.Request) {
	events := f.Events()
	slices.Reverse(events)
	wire.Render(w, pages, http.StatusOK, "events", struct {
		Provider, Title, Base string
		Events                []SentEvent
	}{"Card processor", "Webhooks", f.opts.Prefix, events})
}

func (f *Fake) resend(w http.ResponseWriter, r *http.Request) {
	if err := f.Resend(r.PathValue("id")); err != nil {
		http.Error(w, "There is no such event. Go back to the list of webhooks.", http.StatusNotFound)
		return
	}
	http.Redirect(w, r, f.opts.Prefix+"/events", http.StatusSeeOther)
}

type pageData struct {
	Provider, Title, Base string
	ID, Item, Amount      string
	Said, Back            string
	OK, Declined          bool
}

func withID(raw, id string) string { return strings.ReplaceAll(raw, sessionIDTemplate, id) }

// view is the page of session id; the caller holds mu.
func (f *Fake) view(id string) (pageData, *fakeSession) {
	d := pageData{Provider: "Card processor", Base: f.opts.Prefix, ID: id, Title: "Checkout"}
	fs, ok := f.sessions[id]
	if !ok {
		d.Title, d.Said = "Checkout not found", "There is no checkout with this address. Go back to Careerchain and start the payment again."
		return d, nil
	}
	s := f.current(fs)
	d.Item, d.Amount, d.Declined = fs.item, wire.Money(s.AmountTotal, strings.ToUpper(s.Currency)), fs.declined
	switch s.Status {
	case StatusComplete:
		d.Title, d.Said, d.OK, d.Back = "This checkout is done", "This checkout is paid.", true, withID(s.SuccessURL, id)
	case StatusExpired:
		d.Title, d.Said, d.Back = "This checkout is done", "This checkout expired without a payment.", withID(s.CancelURL, id)
	}
	return d, fs
}

func (f *Fake) page(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	d, fs := f.view(r.PathValue("id"))
	f.mu.Unlock()
	switch {
	case fs == nil:
		wire.Render(w, pages, http.StatusNotFound, "done", d)
	case d.Said != "":
		wire.Render(w, pages, http.StatusOK, "done", d)
	default:
		wire.Render(w, pages, http.StatusOK, "pay", d)
	}
}

func (f *Fake) choose(w http.ResponseWriter, r *http.Request) {
	card := r.PostFormValue("card")
	f.mu.Lock()
	d, fs := f.view(r.PathValue("id"))
	var back string
	if fs != nil && d.Said == "" {
		switch card {
		case "4242424242424242":
			pi := wire.NewID("pi_", 12)
			fs.s.Status, fs.s.PaymentStatus, fs.s.PaymentIntent, fs.declined = StatusComplete, PaymentPaid, &pi, false
			f.byIntent[pi] = fs.s.ID
			f.emit(EventSessionCompleted, fs.s)
			back = withID(fs.s.SuccessURL, fs.s.ID)
		case "4000000000000002":
			fs.declined, d.Declined = true, true
		case "cancel":
			back = withID(fs.s.CancelURL, fs.s.ID)
		default:
			f.mu.Unlock()
			http.Error(w, "Choose one of the buttons on the checkout page.", http.StatusBadRequest)
			return
		}
	}
	f.mu.Unlock()
	switch {
	case fs == nil:
		wire.Render(w, pages, http.StatusNotFound, "done", d)
	case back != "":
		http.Redirect(w, r, back, http.StatusSeeOther)
	case d.Said != "": // decided before: a second click or a reload
		wire.Render(w, pages, http.StatusOK, "done", d)
	default: // declined: the page again, with the notice
		wire.Render(w, pages, http.StatusOK, "pay", d)
	}
}
