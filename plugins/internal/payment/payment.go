package payment

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Codes of the rejections, one per way a receipt can be wrong.
const (
	CodeBadConfig     = "bad_config"
	CodeNoReceipt     = "no_receipt"
	CodeWrongProvider = "wrong_provider"
	CodeNoPaymentID   = "missing_payment_id"
	CodeUnknownIssuer = "unknown_issuer"
	CodeBadSignature  = "bad_signature"
	CodeWrongAmount   = "wrong_amount"
	CodeWrongCurrency = "wrong_currency"
	CodeWrongClaim    = "wrong_claim"
)

// Config is the plugin config string from the chain config, e.g.
// {"issuers":["<hex Ed25519 key>"],"amount":10000,"currency":"KRW"}.
type Config struct {
	Issuers  []string `json:"issuers"`  // hex Ed25519 keys of the payment services whose receipts count
	Amount   int64    `json:"amount"`   // the fee, in the currency's minor unit
	Currency string   `json:"currency"` // ISO 4217, upper case
}

// ParseConfig decodes and checks a plugin config string.
func ParseConfig(s string) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("config is not {\"issuers\":[hex],\"amount\":n,\"currency\":\"XXX\"}: %v", err)
	}
	if len(c.Issuers) == 0 {
		return Config{}, fmt.Errorf("config lists no issuers")
	}
	for _, k := range c.Issuers {
		if b, err := hex.DecodeString(k); err != nil || len(b) != ed25519.PublicKeySize {
			return Config{}, fmt.Errorf("config issuer %q is not a hex Ed25519 public key", k)
		}
	}
	if c.Amount <= 0 {
		return Config{}, fmt.Errorf("config amount %d must be positive", c.Amount)
	}
	if len(c.Currency) != 3 {
		return Config{}, fmt.Errorf("config currency %q is not an ISO 4217 code", c.Currency)
	}
	return c, nil
}

// Problem is why a receipt is refused.
type Problem struct {
	Code   string
	Reason string
}

func (p *Problem) Error() string { return p.Code + ": " + p.Reason }

// Check verifies the receipt of tx for provider under the plugin config
// string. Transactions other than career.register and career.amend carry
// no receipt and pass.
func Check(provider, config string, tx chain.Tx) *Problem {
	if tx.Type != chain.TypeRegister && tx.Type != chain.TypeAmend {
		return nil
	}
	cfg, err := ParseConfig(config)
	if err != nil {
		return &Problem{CodeBadConfig, err.Error()}
	}
	if tx.Career == nil {
		return &Problem{CodeNoReceipt, "the transaction has no career body and so no receipt"}
	}
	r := tx.Career.Receipt
	switch {
	case r.Sig == "" && r.Issuer == "":
		return &Problem{CodeNoReceipt, "the career carries no payment receipt"}
	case r.Provider != provider:
		return &Problem{CodeWrongProvider, fmt.Sprintf("receipt is from provider %q, this plugin checks %q", clip(r.Provider), provider)}
	case r.PaymentID == "":
		return &Problem{CodeNoPaymentID, "receipt has no payment id"}
	case !slices.Contains(cfg.Issuers, r.Issuer):
		return &Problem{CodeUnknownIssuer, fmt.Sprintf("receipt issuer %s is not a registered payment service", clip(r.Issuer))}
	}
	msg, err := chain.ReceiptSigningBytes(r)
	sig, herr := hex.DecodeString(r.Sig)
	key, _ := hex.DecodeString(r.Issuer) // a listed issuer: valid hex of the right size
	if err != nil || herr != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(key, msg, sig) {
		return &Problem{CodeBadSignature, "receipt signature does not verify under its issuer's key"}
	}
	switch {
	case r.Amount != cfg.Amount:
		return &Problem{CodeWrongAmount, fmt.Sprintf("receipt pays %d, the fee is %d", r.Amount, cfg.Amount)}
	case r.Currency != cfg.Currency:
		return &Problem{CodeWrongCurrency, fmt.Sprintf("receipt is in %q, the fee is in %s", clip(r.Currency), cfg.Currency)}
	}
	if d := tx.Career.Statement.Digest(); d == "" || r.Claim != d {
		return &Problem{CodeWrongClaim, "receipt pays for another statement than this transaction's"}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
