package payment

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/plugin"
)

func key(b byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	s[0] = b
	return ed25519.NewKeyFromSeed(s)
}

var issuer, rogue = key(1), key(2)

func config() string {
	return fmt.Sprintf(`{"issuers":[%q],"amount":10000,"currency":"KRW"}`, hex.EncodeToString(issuer.Public().(ed25519.PublicKey)))
}

// paid returns a career transaction whose receipt edit may change before
// signer signs it.
func paid(t *testing.T, signer ed25519.PrivateKey, edit func(*chain.Receipt)) chain.Tx {
	t.Helper()
	st := chain.Statement{ChainID: "c", Type: chain.TypeRegister, Nonce: 1, Claim: chain.Claim{Role: "Engineer"}}
	r := chain.NewReceipt("sandbox", "pay-1", 10000, "KRW", st.Digest())
	if edit != nil {
		edit(&r)
	}
	r, err := chain.SignReceipt(signer, r)
	if err != nil {
		t.Fatal(err)
	}
	return *chain.NewCareerTx(st, "", r, chain.Attestation{})
}

// input is what the host passes a payment plugin configured with config
// for tx (see wasm's encodeInput).
func input(config string, tx chain.Tx) *plugin.Input {
	in := &plugin.Input{Kind: plugin.KindPayment, Config: config, TxType: tx.Type}
	if c := tx.Career; c != nil {
		st, r := c.Statement, c.Receipt
		in.HasCareer = true
		in.Receipt = plugin.Receipt{Provider: r.Provider, PaymentID: r.PaymentID, Amount: r.Amount, Currency: r.Currency,
			Claim: r.Claim, Issuer: r.Issuer, Sig: r.Sig}
		in.StatementDigest = st.Digest()
		if b, err := chain.ReceiptSigningBytes(r); err == nil {
			in.ReceiptSigningBytes = b
		}
	}
	return in
}

func TestCheck(t *testing.T) {
	tampered := paid(t, issuer, nil)
	tampered.Career.Receipt.PaymentID = "pay-2" // changed after signing
	otherStatement := paid(t, issuer, nil)
	otherStatement.Career.Statement.Nonce = 2 // the receipt pays for nonce 1
	huge := paid(t, issuer, nil)
	huge.Career.Receipt.Amount = chain.MaxSafeInteger + 1 // cannot be canonicalised, so has no signing bytes
	tests := []struct {
		name, config string
		tx           chain.Tx
		code         string
	}{
		{"valid", config(), paid(t, issuer, nil), ""},
		{"not a career", config(), chain.Tx{Type: chain.TypeRevoke}, ""},
		{"no career", config(), chain.Tx{Type: chain.TypeRegister}, CodeNoReceipt},
		{"no receipt", config(), chain.Tx{Type: chain.TypeRegister, Career: &chain.Career{}}, CodeNoReceipt},
		{"bad config json", `{"issuers":`, paid(t, issuer, nil), CodeBadConfig},
		{"config unknown field", `{"issuers":["00"],"amount":1,"currency":"KRW","x":1}`, paid(t, issuer, nil), CodeBadConfig},
		{"config escape", strings.Replace(config(), "KRW", `KR\u0057`, 1), paid(t, issuer, nil), CodeBadConfig},
		{"config fraction", strings.Replace(config(), "10000", "10000.0", 1), paid(t, issuer, nil), CodeBadConfig},
		{"config trailing data", config() + "{}", paid(t, issuer, nil), CodeBadConfig},
		{"config spaced", " {\n\t\"currency\" : \"KRW\" , \"amount\":10000,\"issuers\":[ \"" + hex.EncodeToString(issuer.Public().(ed25519.PublicKey)) + "\" ] } ", paid(t, issuer, nil), ""},
		{"no receipt signing bytes", config(), huge, CodeBadSignature},
		{"config no issuers", `{"issuers":[],"amount":1,"currency":"KRW"}`, paid(t, issuer, nil), CodeBadConfig},
		{"config bad key", `{"issuers":["zz"],"amount":1,"currency":"KRW"}`, paid(t, issuer, nil), CodeBadConfig},
		{"config zero amount", strings.Replace(config(), "10000", "0", 1), paid(t, issuer, nil), CodeBadConfig},
		{"wrong provider", config(), paid(t, issuer, func(r *chain.Receipt) { r.Provider = "card" }), CodeWrongProvider},
		{"no payment id", config(), paid(t, issuer, func(r *chain.Receipt) { r.PaymentID = "" }), CodeNoPaymentID},
		{"rogue issuer", config(), paid(t, rogue, nil), CodeUnknownIssuer},
		{"tampered", config(), tampered, CodeBadSignature},
		{"wrong amount", config(), paid(t, issuer, func(r *chain.Receipt) { r.Amount = 9999 }), CodeWrongAmount},
		{"wrong currency", config(), paid(t, issuer, func(r *chain.Receipt) { r.Currency = "USD" }), CodeWrongCurrency},
		{"wrong claim", config(), otherStatement, CodeWrongClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Check("sandbox", input(tt.config, tt.tx))
			switch {
			case tt.code == "" && p != nil:
				t.Fatalf("rejected: %v", p)
			case tt.code != "" && (p == nil || p.Code != tt.code):
				t.Fatalf("got %v, want %s", p, tt.code)
			}
		})
	}
}

func TestForgedSignature(t *testing.T) {
	tx := paid(t, issuer, nil)
	// The rogue signs, but claims to be the listed issuer.
	b, err := chain.ReceiptSigningBytes(tx.Career.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	tx.Career.Receipt.Sig = hex.EncodeToString(ed25519.Sign(rogue, b))
	if p := Check("sandbox", input(config(), tx)); p == nil || p.Code != CodeBadSignature {
		t.Fatalf("got %v, want bad_signature", p)
	}
	tx.Career.Receipt.Sig = "not hex"
	if p := Check("sandbox", input(config(), tx)); p == nil || p.Code != CodeBadSignature {
		t.Fatalf("got %v, want bad_signature", p)
	}
}

// FuzzParseConfig: any config string is parsed or refused, never a panic,
// and a config ParseConfig accepts means the same to encoding/json.
func FuzzParseConfig(f *testing.F) {
	f.Add(config())
	f.Add(`{"issuers":["00"]}`)
	f.Add(``)
	f.Add(`{"amount":1,"amount":2,"currency":"KRW","issuers":["` + strings.Repeat("ab", 32) + `"]}`)
	f.Add(`{"amount":-0,"currency":"KRW","issuers":[]}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConfig(s)
		if err != nil {
			return
		}
		if len(c.Issuers) == 0 || c.Amount <= 0 || len(c.Currency) != 3 {
			t.Fatalf("accepted bad config %+v", c)
		}
		var j struct {
			Issuers  []string `json:"issuers"`
			Amount   int64    `json:"amount"`
			Currency string   `json:"currency"`
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil || dec.More() {
			t.Fatalf("ParseConfig accepted %q, encoding/json refuses it: %v", s, err)
		}
		if !slices.Equal(j.Issuers, c.Issuers) || j.Amount != c.Amount || j.Currency != c.Currency {
			t.Fatalf("ParseConfig(%q) = %+v, encoding/json reads %+v", s, c, j)
		}
	})
}

// A Checker gives what Check gives, call after call, when the config
// changes and when it is bad.
func TestCheckerRemembersConfig(t *testing.T) {
	good, forged := paid(t, issuer, nil), paid(t, rogue, nil)
	c := Checker{Provider: "sandbox"}
	for i, step := range []struct {
		config string
		tx     chain.Tx
	}{{config(), good}, {config(), forged}, {`{"issuers":[]}`, good}, {`{"issuers":[]}`, good}, {config(), good}, {config(), forged}} {
		want, got := Check("sandbox", input(step.config, step.tx)), c.Check(input(step.config, step.tx))
		if (want == nil) != (got == nil) || want != nil && *want != *got {
			t.Errorf("step %d: Checker %v, Check %v", i, got, want)
		}
	}
}
