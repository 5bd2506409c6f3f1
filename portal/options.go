package portal

import (
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/careerchain/careerchain/portal/store"
)

// Options configures New. Zero fields take the defaults of withDefaults.
type Options struct {
	// PublicURL is where browsers reach the portal, e.g.
	// https://portal.example.com or http://127.0.0.1:7300 (required). Over
	// https the cookies are Secure and __Host- prefixed.
	PublicURL string
	// Issuer is the OpenID Connect issuer, exactly as its discovery
	// document spells it (https://accounts.google.com in production).
	Issuer       string
	ClientID     string
	ClientSecret string
	// IssuerName is shown on the login button ("Google"; default "your
	// account provider").
	IssuerName string
	// Admins are subjects at Issuer who are admins.
	Admins []string

	// Genesis is the chain's genesis file (genesis.json), which the
	// in-browser verifier checks proof bundles against; the page shows its
	// chain id and hash and lets the visitor use their own copy instead.
	// Without it, career pages offer the proof file only.
	Genesis []byte
	// VerifierWasm and VerifierSupport are the in-browser verifier: the
	// Wasm module of portal/verifier and the wasm_exec.js of the Go that
	// built it. Default: the copies `make verifier` leaves in web/static,
	// embedded at build time.
	VerifierWasm, VerifierSupport []byte
	// CredentialKey signs the Verifiable Credentials the portal exports
	// (sdk/vc); its public key must be a credential issuer of the chain
	// config (genesis credential_issuers) for verifiers to accept them.
	// Without it (or without Genesis), records are not exported.
	CredentialKey ed25519.PrivateKey
	// MSP is the membership service's URL, which the network page asks
	// for the address book; OperatorKey an operator key its admin API
	// accepts, with which portal admins swap the leader, remove nodes and
	// promote standbys. Without MSP there is no network page; without the
	// key no controls.
	MSP         string
	OperatorKey ed25519.PrivateKey

	Chain Chain       // required
	Store store.Store // required; the Server does not close it
	// HTTPClient talks to the issuer (default: 15 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time

	SessionIdle     time.Duration // default 1 h
	SessionLifetime time.Duration // absolute, default 12 h
	LoginTimeout    time.Duration // from leaving for the issuer to coming back, default 10 min

	// SearchPerClient and SearchBurst bound e-mail searches per client IP
	// (default 10 a minute, bursts of 5); SearchGlobal bounds them all
	// together (default 600 a minute).
	SearchPerClient float64 // per minute
	SearchBurst     float64
	SearchGlobal    float64 // per minute
	// SearchFloor is the least time an e-mail search takes to answer,
	// found or not, so the time does not tell (default 250 ms).
	SearchFloor time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.IssuerName == "" {
		o.IssuerName = "your account provider"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.SessionIdle, time.Hour)
	def(&o.SessionLifetime, 12*time.Hour)
	def(&o.LoginTimeout, 10*time.Minute)
	def(&o.SearchFloor, 250*time.Millisecond)
	if o.SearchPerClient == 0 {
		o.SearchPerClient = 10
	}
	if o.SearchBurst == 0 {
		o.SearchBurst = 5
	}
	if o.SearchGlobal == 0 {
		o.SearchGlobal = 600
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	return o
}

func (o Options) validate() error {
	u, err := url.Parse(o.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("portal: PublicURL must be an http:// or https:// URL")
	}
	if o.Issuer == "" || o.ClientID == "" {
		return errors.New("portal: Issuer and ClientID are required (the OpenID Connect provider and this portal's client id there)")
	}
	if o.Chain == nil || o.Store == nil {
		return errors.New("portal: Chain and Store are required")
	}
	return nil
}

func (o Options) secure() bool { return strings.HasPrefix(o.PublicURL, "https://") }
