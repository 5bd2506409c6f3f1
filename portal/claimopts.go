package portal

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/careerchain/careerchain/portal/payment"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// Submitter is the portal's way into the chain's submission pipeline:
// Check runs the chain's plugins on a transaction locally, Submit sends it
// and waits for its commit under the seed's retry rule. *middleware.Pipeline
// implements it. Implementations are safe for concurrent use.
type Submitter interface {
	Check(ctx context.Context, tx *chain.Tx) ([]middleware.PluginResult, error)
	Submit(ctx context.Context, tx *chain.Tx) (*middleware.Result, error)
}

var _ Submitter = (*middleware.Pipeline)(nil)

// ClaimOptions turns on claims: the new-career form, consent and signing,
// payment, admin review, amend and revoke. Options.Claims nil leaves the
// portal read-only (lookups, login, wallets).
type ClaimOptions struct {
	ChainID       string
	PoWDifficulty uint8
	// Fee and Currency are what a claim costs (minor unit, ISO 4217): the
	// amount the chain's payment plugins are configured to accept.
	Fee      int64
	Currency string
	// Providers take the fee; the first is offered first. Each one's
	// Name is the Receipt's provider.
	Providers []payment.Provider
	// PaymentKey signs Receipts: a key the chain config names as a
	// payment issuer. AttesterKey signs attestations for the admins: a
	// key the chain config names as an attester (see RATIONALE.md, "Where
	// the attester key lives").
	PaymentKey  ed25519.PrivateKey
	AttesterKey ed25519.PrivateKey
	Submitter   Submitter
	// MaxFiles and MaxFileSize bound a claim's evidence (default 5 files
	// of at most 5 MiB each).
	MaxFiles    int
	MaxFileSize int64
}

func (c *ClaimOptions) withDefaults() *ClaimOptions {
	if c == nil {
		return nil
	}
	o := *c
	if o.MaxFiles == 0 {
		o.MaxFiles = 5
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = 5 << 20
	}
	return &o
}

func (c *ClaimOptions) validate() error {
	if c == nil {
		return nil
	}
	switch {
	case c.ChainID == "":
		return errors.New("portal: Claims.ChainID is required")
	case c.Fee <= 0 || len(c.Currency) != 3:
		return errors.New("portal: Claims.Fee must be positive and Claims.Currency an ISO 4217 code")
	case len(c.Providers) == 0:
		return errors.New("portal: Claims.Providers needs at least one payment provider")
	case len(c.PaymentKey) != ed25519.PrivateKeySize || len(c.AttesterKey) != ed25519.PrivateKeySize:
		return errors.New("portal: Claims.PaymentKey and Claims.AttesterKey are required (Ed25519 keys the chain config names)")
	case c.Submitter == nil:
		return errors.New("portal: Claims.Submitter is required")
	}
	seen := map[string]bool{}
	for _, p := range c.Providers {
		if seen[p.Name()] {
			return fmt.Errorf("portal: payment provider %q is configured twice", p.Name())
		}
		seen[p.Name()] = true
	}
	return nil
}

func (c *ClaimOptions) provider(name string) payment.Provider {
	for _, p := range c.Providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}
