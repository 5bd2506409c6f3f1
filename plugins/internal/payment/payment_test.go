package payment

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
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

func TestCheck(t *testing.T) {
	tampered := paid(t, issuer, nil)
	tampered.Career.Receipt.PaymentID = "pay-2" // changed after signing
	otherStatement := paid(t, issuer, nil)
	otherStatement.Career.Statement.Nonce = 2 // the receipt pays for nonce 1
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
			p := Check("sandbox", tt.config, tt.tx)
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
	if p := Check("sandbox", config(), tx); p == nil || p.Code != CodeBadSignature {
		t.Fatalf("got %v, want bad_signature", p)
	}
	tx.Career.Receipt.Sig = "not hex"
	if p := Check("sandbox", config(), tx); p == nil || p.Code != CodeBadSignature {
		t.Fatalf("got %v, want bad_signature", p)
	}
}

// FuzzParseConfig: any config string is parsed or refused, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add(config())
	f.Add(`{"issuers":["00"]}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConfig(s)
		if err == nil && (len(c.Issuers) == 0 || c.Amount <= 0 || len(c.Currency) != 3) {
			t.Fatalf("accepted bad config %+v", c)
		}
	})
}
