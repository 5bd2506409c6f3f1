// Package fake mounts the three payment providers' local fakes on one
// http.Handler, for `careerd dev` (served on 127.0.0.1:7370) and for tests:
// the sandbox under /sandbox/, KakaoPay under /kakaopay/ and the card
// processor under /card/, with a page at / that lists them. NewClients makes
// the matching real clients for the base URL the handler is served at, with
// the dev credentials below, so the portal's payment code runs unchanged.
//
// To use a real provider instead, build its client from the portal's
// config (see the sandbox, kakaopay and card package docs): KakaoPay's
// BaseURL https://open-api.kakaopay.com, its secret key and CID; the card
// processor's BaseURL, secret key, webhook secret and signature header.
//
// Invariants:
//   - The credentials here are for the fakes only and are printed openly;
//     no real provider accepts them.
//   - A Set is safe for concurrent use; it owns the card fake's webhook
//     deliverer, which Close stops.
package fake

import (
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/card"
	"github.com/careerchain/careerchain/portal/payment/internal/wire"
	"github.com/careerchain/careerchain/portal/payment/kakaopay"
	"github.com/careerchain/careerchain/portal/payment/sandbox"
)

// The fakes' credentials.
const (
	SandboxKey        = "sk_sandbox_dev"
	KakaoPaySecretKey = "DEV_FAKE_KAKAOPAY_SECRET_KEY"
	KakaoPayCID       = kakaopay.TestCID
	CardSecretKey     = "sk_test_fake_card"
	CardWebhookSecret = "whsec_fake_card_dev"
)

// Where each fake is mounted.
const (
	SandboxPath  = "/sandbox"
	KakaoPayPath = "/kakaopay"
	CardPath     = "/card"
)

// Options configures a Set.
type Options struct {
	// CardWebhookURL is the portal's webhook endpoint for the card
	// processor; "" holds events until Card.SetWebhookURL names one.
	CardWebhookURL string
	Now            func() time.Time // nil is time.Now
	Log            *slog.Logger     // nil discards
}

// Set is the three fakes behind one handler.
type Set struct {
	Sandbox  *sandbox.Fake
	KakaoPay *kakaopay.Fake
	Card     *card.Fake
	mux      *http.ServeMux
}

var _ http.Handler = (*Set)(nil)

// New returns the three fakes, empty.
func New(opts Options) *Set {
	s := &Set{
		Sandbox:  sandbox.NewFake(sandbox.FakeOptions{Prefix: SandboxPath, Key: SandboxKey, Now: opts.Now}),
		KakaoPay: kakaopay.NewFake(kakaopay.FakeOptions{Prefix: KakaoPayPath, SecretKey: KakaoPaySecretKey, CID: KakaoPayCID, Now: opts.Now}),
		Card: card.NewFake(card.FakeOptions{Prefix: CardPath, SecretKey: CardSecretKey, WebhookSecret: CardWebhookSecret,
			WebhookURL: opts.CardWebhookURL, Now: opts.Now, Log: opts.Log}),
		mux: http.NewServeMux(),
	}
	s.mux.Handle(SandboxPath+"/", s.Sandbox)
	s.mux.Handle(KakaoPayPath+"/", s.KakaoPay)
	s.mux.Handle(CardPath+"/", s.Card)
	s.mux.HandleFunc("GET /fake.css", wire.ServeCSS)
	s.mux.HandleFunc("GET /{$}", index)
	return s
}

// ServeHTTP serves the three fakes.
func (s *Set) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops the card fake's deliveries; it is idempotent.
func (s *Set) Close() error { return s.Card.Close() }

// Clients are the real clients, pointed at a Set.
type Clients struct {
	Sandbox  *sandbox.Client
	KakaoPay *kakaopay.Client
	Card     *card.Client
}

// All is the three as payment Providers, sandbox first.
func (c Clients) All() []payment.Provider {
	return []payment.Provider{c.Sandbox, c.KakaoPay, c.Card}
}

// NewClients makes the three clients for a Set served at base (for
// `careerd dev`, http://127.0.0.1:7370). now is the card client's clock for
// webhook times; nil is time.Now.
func NewClients(base string, now func() time.Time) (Clients, error) {
	var c Clients
	var err error
	if c.Sandbox, err = sandbox.New(sandbox.Config{BaseURL: base + SandboxPath, Key: SandboxKey}); err != nil {
		return c, err
	}
	if c.KakaoPay, err = kakaopay.New(kakaopay.Config{BaseURL: base + KakaoPayPath, SecretKey: KakaoPaySecretKey, CID: KakaoPayCID}); err != nil {
		return c, err
	}
	c.Card, err = card.New(card.Config{BaseURL: base + CardPath, SecretKey: CardSecretKey, WebhookSecret: CardWebhookSecret, Now: now})
	return c, err
}

var indexPage = wire.Pages(`{{define "index"}}{{template "head" .}}
<div class="card"><p>These are local stand-ins for the payment providers. The portal sends you to them when you pay; nothing here charges anyone.</p>
<dl>
<dt>Sandbox · {{.Base}}/sandbox/</dt><dd>Choose success, decline or cancel.</dd>
<dt>KakaoPay · {{.Base}}/kakaopay/</dt><dd>The single-payment API and the buyer's approval page.</dd>
<dt>Card processor · {{.Base}}/card/</dt><dd>Checkout sessions, refunds and signed webhooks (<a href="{{.Base}}/card/events">the webhooks it sent</a>).</dd>
</dl></div>
<p class="hint">To pay, start from a claim in the portal.</p>
{{template "foot" .}}{{end}}`)

func index(w http.ResponseWriter, r *http.Request) {
	wire.Render(w, indexPage, http.StatusOK, "index", struct {
		Provider, Title string
		Base            template.URL
	}{"Payment fakes", "Test payment providers", template.URL(wire.Origin(r))})
}
