package payment

import (
	"errors"
	"strconv"
	"strings"

	"github.com/careerchain/careerchain/plugins/internal/ascii"
	"github.com/careerchain/careerchain/sdk/plugin"
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
	Issuers  []string // hex Ed25519 keys of the payment services whose receipts count
	Amount   int64    // the fee, in the currency's minor unit
	Currency string   // ISO 4217, upper case
}

// ErrBadConfig is the error of ParseConfig.
var ErrBadConfig = errors.New(`payment: config is not {"issuers":[hex],"amount":n,"currency":"XXX"}`)

// ParseConfig decodes and checks a plugin config string: a JSON object with
// exactly the keys issuers (an array of hex Ed25519 keys, at least one),
// amount (a positive integer) and currency (three characters), in any
// order, with JSON whitespace. Strings may not contain escapes (no key or
// currency needs one). It is hand-written, not encoding/json, which would
// make the module several times larger and each call slower.
func ParseConfig(s string) (Config, error) {
	var c Config
	p := scanner{s: s}
	p.expect('{')
	for more := p.peek() != '}'; more && p.err == nil; more = p.skip(',') {
		key := p.str()
		p.expect(':')
		switch key {
		case "issuers":
			c.Issuers = c.Issuers[:0]
			p.expect('[')
			for more := p.peek() != ']'; more && p.err == nil; more = p.skip(',') {
				c.Issuers = append(c.Issuers, p.str())
			}
			p.expect(']')
		case "amount":
			c.Amount = p.integer()
		case "currency":
			c.Currency = p.str()
		default:
			p.fail("unknown key " + strconv.Quote(key))
		}
	}
	p.expect('}')
	if p.err == nil && p.peek() != 0 {
		p.fail("data after the object")
	}
	if p.err != nil {
		return Config{}, p.err
	}
	if len(c.Issuers) == 0 {
		return Config{}, errors.New("config lists no issuers")
	}
	for _, k := range c.Issuers {
		var key [plugin.Ed25519PublicKeySize]byte
		if !ascii.DecodeHex(key[:], k) {
			return Config{}, errors.New("config issuer " + strconv.Quote(k) + " is not a hex Ed25519 public key")
		}
	}
	if c.Amount <= 0 {
		return Config{}, errors.New("config amount " + strconv.FormatInt(c.Amount, 10) + " must be positive")
	}
	if len(c.Currency) != 3 {
		return Config{}, errors.New("config currency " + strconv.Quote(c.Currency) + " is not an ISO 4217 code")
	}
	return c, nil
}

// scanner reads the config's JSON; the first error sticks.
type scanner struct {
	s   string
	i   int
	err error
}

func (p *scanner) fail(why string) {
	if p.err == nil {
		p.err = errors.New(ErrBadConfig.Error() + ": " + why + " at byte " + strconv.Itoa(p.i))
	}
}

// peek skips whitespace and returns the next byte, 0 at the end or after
// an error.
func (p *scanner) peek() byte {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
	if p.err != nil || p.i == len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// skip consumes c if it comes next.
func (p *scanner) skip(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

func (p *scanner) expect(c byte) bool {
	if p.peek() != c {
		p.fail("want " + strconv.QuoteRune(rune(c)))
		return false
	}
	p.i++
	return true
}

func (p *scanner) str() string {
	if !p.expect('"') {
		return ""
	}
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return p.s[start : p.i-1]
		case c == '\\' || c < 0x20:
			p.fail("escape or control character in a string")
			return ""
		}
		p.i++
	}
	p.fail("unterminated string")
	return ""
}

func (p *scanner) integer() int64 {
	p.peek()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	num := p.s[start:p.i]
	n, err := strconv.ParseInt(num, 10, 64)
	digits := num
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if err != nil || len(digits) > 1 && digits[0] == '0' {
		p.fail("amount " + strconv.Quote(num) + " is not an integer")
		return 0
	}
	return n
}

// Problem is why a receipt is refused.
type Problem struct {
	Code   string
	Reason string
}

func (p *Problem) Error() string { return p.Code + ": " + p.Reason }

// Check verifies the receipt of the transaction in in for provider under
// the plugin config string in.Config. Transactions other than
// career.register and career.amend carry no receipt and pass.
func Check(provider string, in *plugin.Input) *Problem {
	c := Checker{Provider: provider}
	return c.Check(in)
}

// Checker is Check for one provider that remembers the last config string
// it parsed and its result: the host passes the same string on every call,
// and parsing it costs more inside Wasm (~25 µs) than the rest of the check
// but the signature. A plugin keeps one in a package-level variable; it is
// not safe for concurrent use (a Wasm instance runs one call at a time).
type Checker struct {
	Provider string

	parsed bool
	config string
	cfg    Config
	keys   [][plugin.Ed25519PublicKeySize]byte // cfg.Issuers decoded
	err    error
}

// Register makes the module a payment plugin for provider: one Checker,
// its Problem a rejection. A payment module's main package is only this.
func Register(provider string) bool {
	c := &Checker{Provider: provider}
	return plugin.Register(func(in plugin.Input) plugin.Output {
		if p := c.Check(&in); p != nil {
			return plugin.Reject(p.Code, p.Reason)
		}
		return plugin.Accept()
	})
}

// Check is the package-level Check with c.Provider.
func (c *Checker) Check(in *plugin.Input) *Problem {
	// ascii.Equal: Go compares strings longer than six bytes one byte per
	// loop iteration in Wasm, and each iteration costs a trip out of the
	// native code (see the ascii package).
	if !ascii.Equal(in.TxType, plugin.TypeRegister) && !ascii.Equal(in.TxType, plugin.TypeAmend) {
		return nil
	}
	if !c.parsed || !ascii.Equal(c.config, in.Config) {
		// in's strings alias the host's input buffer, valid for this call
		// only: keep copies.
		c.config, c.parsed = strings.Clone(in.Config), true
		c.cfg, c.err = ParseConfig(c.config)
		c.keys = make([][plugin.Ed25519PublicKeySize]byte, len(c.cfg.Issuers))
		for i, k := range c.cfg.Issuers {
			ascii.DecodeHex(c.keys[i][:], k) // checked by ParseConfig
		}
	}
	cfg, err, provider := &c.cfg, c.err, c.Provider
	if err != nil {
		return &Problem{CodeBadConfig, err.Error()}
	}
	if !in.HasCareer {
		return &Problem{CodeNoReceipt, "the transaction has no career body and so no receipt"}
	}
	r := &in.Receipt
	switch {
	case r.Sig == "" && r.Issuer == "":
		return &Problem{CodeNoReceipt, "the career carries no payment receipt"}
	case !ascii.Equal(r.Provider, provider):
		return &Problem{CodeWrongProvider, "receipt is from provider " + strconv.Quote(clip(r.Provider)) + ", this plugin checks " + strconv.Quote(provider)}
	case r.PaymentID == "":
		return &Problem{CodeNoPaymentID, "receipt has no payment id"}
	}
	issuer := index(cfg.Issuers, r.Issuer)
	if issuer < 0 {
		return &Problem{CodeUnknownIssuer, "receipt issuer " + clip(r.Issuer) + " is not a registered payment service"}
	}
	var sig [plugin.Ed25519SignatureSize]byte
	key := &c.keys[issuer]
	if len(r.Sig) != 2*len(sig) || !ascii.DecodeHex(sig[:], r.Sig) || len(in.ReceiptSigningBytes) == 0 ||
		!plugin.Ed25519Verify(key[:], in.ReceiptSigningBytes, sig[:]) {
		return &Problem{CodeBadSignature, "receipt signature does not verify under its issuer's key"}
	}
	switch {
	case r.Amount != cfg.Amount:
		return &Problem{CodeWrongAmount, "receipt pays " + strconv.FormatInt(r.Amount, 10) + ", the fee is " + strconv.FormatInt(cfg.Amount, 10)}
	case !ascii.Equal(r.Currency, cfg.Currency):
		return &Problem{CodeWrongCurrency, "receipt is in " + strconv.Quote(clip(r.Currency)) + ", the fee is in " + cfg.Currency}
	}
	if d := in.StatementDigest; d == "" || !ascii.Equal(r.Claim, d) {
		return &Problem{CodeWrongClaim, "receipt pays for another statement than this transaction's"}
	}
	return nil
}

// index returns the index of key in keys, or -1.
func index(keys []string, key string) int {
	for i, k := range keys {
		if ascii.Equal(k, key) {
			return i
		}
	}
	return -1
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
