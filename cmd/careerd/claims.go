package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/careerchain/careerchain/portal"
	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/portal/payment/card"
	"github.com/careerchain/careerchain/portal/payment/kakaopay"
	"github.com/careerchain/careerchain/portal/payment/sandbox"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/sdk/middleware"
	"github.com/careerchain/careerchain/wasm"
)

// claimsConfig is the "claims" part of the portal's config file: what the
// portal needs to take claims, payments and reviews.
type claimsConfig struct {
	// Genesis is the chain's genesis file: chain id, PoW difficulty, the
	// plugin set and (from the payment plugins' config) the fee.
	Genesis string `json:"genesis"`
	Plugins string `json:"plugins"` // directory of the <name>.wasm modules; default plugins/build
	// PaymentKeyFile and AttesterKeyFile hold hex Ed25519 seeds of keys
	// the chain config names as a payment issuer and as an attester.
	PaymentKeyFile  string `json:"payment_key_file"`
	AttesterKeyFile string `json:"attester_key_file"`
	Fee             int64  `json:"fee"`      // default: the payment plugins' amount
	Currency        string `json:"currency"` // default: the payment plugins' currency

	Sandbox *struct {
		BaseURL string `json:"base_url"`
		Key     string `json:"key"`
	} `json:"sandbox"`
	KakaoPay *struct {
		BaseURL   string `json:"base_url"`
		SecretKey string `json:"secret_key"` // or $CAREERCHAIN_KAKAOPAY_SECRET_KEY
		CID       string `json:"cid"`
	} `json:"kakaopay"`
	Card *struct {
		BaseURL         string `json:"base_url"`
		SecretKey       string `json:"secret_key"`     // or $CAREERCHAIN_CARD_SECRET_KEY
		WebhookSecret   string `json:"webhook_secret"` // or $CAREERCHAIN_CARD_WEBHOOK_SECRET
		SignatureHeader string `json:"signature_header"`
	} `json:"card"`
}

// providers builds the configured payment clients, KakaoPay first (the
// seed's users pay with it), then the card processor, then the sandbox.
func (c *claimsConfig) providers() ([]payment.Provider, error) {
	env := func(v *string, name string) {
		if s := os.Getenv(name); s != "" {
			*v = s
		}
	}
	var out []payment.Provider
	if k := c.KakaoPay; k != nil {
		env(&k.SecretKey, "CAREERCHAIN_KAKAOPAY_SECRET_KEY")
		p, err := kakaopay.New(kakaopay.Config{BaseURL: k.BaseURL, SecretKey: k.SecretKey, CID: k.CID})
		if err != nil {
			return nil, fmt.Errorf("claims.kakaopay: %w", err)
		}
		out = append(out, p)
	}
	if k := c.Card; k != nil {
		env(&k.SecretKey, "CAREERCHAIN_CARD_SECRET_KEY")
		env(&k.WebhookSecret, "CAREERCHAIN_CARD_WEBHOOK_SECRET")
		p, err := card.New(card.Config{BaseURL: k.BaseURL, SecretKey: k.SecretKey, WebhookSecret: k.WebhookSecret, SignatureHeader: k.SignatureHeader})
		if err != nil {
			return nil, fmt.Errorf("claims.card: %w", err)
		}
		out = append(out, p)
	}
	if k := c.Sandbox; k != nil {
		p, err := sandbox.New(sandbox.Config{BaseURL: k.BaseURL, Key: k.Key})
		if err != nil {
			return nil, fmt.Errorf("claims.sandbox: %w", err)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, errors.New("claims: configure at least one payment provider (kakaopay, card or sandbox)")
	}
	return out, nil
}

// claimSetup is what newClaimOptions needs.
type claimSetup struct {
	genesis, plugins, paymentKey, attesterKey, cacheDir string
	fee                                                 int64
	currency                                            string
	providers                                           []payment.Provider
	leaders                                             middleware.LeaderSource
}

// newClaimOptions loads the keys and the chain's parameters, and builds
// the submission pipeline with the chain's plugins run locally. close
// releases the plugin host.
func newClaimOptions(ctx context.Context, s claimSetup, log *slog.Logger) (*portal.ClaimOptions, func(), error) {
	g, err := genesis.Load(s.genesis)
	if err != nil {
		return nil, nil, err
	}
	payKey, err := readSeedKey(s.paymentKey)
	if err != nil {
		return nil, nil, err
	}
	attKey, err := readSeedKey(s.attesterKey)
	if err != nil {
		return nil, nil, err
	}
	// The keys must be ones the chain names, or every claim would fail.
	if k := keyHex(payKey); !slices.Contains(g.Config.PaymentIssuers, k) {
		return nil, nil, fmt.Errorf("%s: key %s is not a payment issuer of the chain", s.paymentKey, k)
	}
	if k := keyHex(attKey); !slices.Contains(g.Config.Attesters, k) {
		return nil, nil, fmt.Errorf("%s: key %s is not an attester of the chain", s.attesterKey, k)
	}
	fee, currency := s.fee, s.currency
	for _, ref := range g.Config.Plugins {
		var pc struct {
			Amount   int64  `json:"amount"`
			Currency string `json:"currency"`
		}
		if ref.Kind == chain.KindPayment && json.Unmarshal([]byte(ref.Config), &pc) == nil && fee == 0 {
			fee, currency = pc.Amount, pc.Currency
		}
	}
	if fee == 0 {
		fee, currency = 10000, "KRW"
	}
	mo := middleware.Options{ChainID: g.ChainID, Leaders: s.leaders, Logger: log.With("role", "submit")}
	closeHost := func() {}
	if len(g.Config.Plugins) > 0 {
		host, err := wasm.NewHost(ctx, wasm.Options{CacheDir: s.cacheDir, Logger: log})
		if err != nil {
			return nil, nil, err
		}
		// The modules compile in the background so the portal starts at
		// once; until one is loaded its check abstains and the page says
		// the network runs it (the replicas always do).
		loaded := make(chan struct{})
		go func() {
			defer close(loaded)
			for _, ref := range g.Config.Plugins {
				mod, err := os.ReadFile(filepath.Join(s.plugins, ref.Name+".wasm"))
				if err == nil {
					err = host.Load(ctx, ref, mod)
				}
				if err != nil && ctx.Err() == nil {
					log.Warn("portal: plugin not available here; the replicas still check it", "plugin", ref.Name, "err", err)
				}
			}
		}()
		mo.Plugins, mo.Refs = wasm.MiddlewarePlugins{Host: host}, g.Config.Plugins
		closeHost = func() { <-loaded; host.Close(context.Background()) }
	}
	pipe, err := middleware.New(mo)
	if err != nil {
		closeHost()
		return nil, nil, err
	}
	return &portal.ClaimOptions{ChainID: g.ChainID, PoWDifficulty: g.Config.PoWDifficulty, Fee: fee, Currency: currency,
		Providers: s.providers, PaymentKey: payKey, AttesterKey: attKey, Submitter: pipe}, closeHost, nil
}

func keyHex(k ed25519.PrivateKey) string { return hex.EncodeToString(k.Public().(ed25519.PublicKey)) }
