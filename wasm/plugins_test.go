package wasm

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Fixed keys, so that the corpus is the same on every run.
var (
	issuerKey = ed25519.NewKeyFromSeed(seed(1))
	rogueKey  = ed25519.NewKeyFromSeed(seed(2))
)

func seed(b byte) []byte {
	s := make([]byte, ed25519.SeedSize)
	s[0] = b
	return s
}

const (
	testChain = "careerchain-test"
	blockTime = 1_735_689_600 // 2025-01-01T00:00:00Z
	fee       = 10000
)

func paymentConfig() string {
	return fmt.Sprintf(`{"issuers":[%q],"amount":%d,"currency":"KRW"}`, hex.EncodeToString(issuerKey.Public().(ed25519.PublicKey)), fee)
}

// careerTx returns a signed career.register transaction for claim, paid
// with a receipt from provider that edit may change before it is signed.
func careerTx(t testing.TB, nonce uint64, claim chain.Claim, provider string, edit func(*chain.Receipt)) chain.Tx {
	t.Helper()
	w, err := chain.WalletFromSeed(seed(byte(3 + nonce%200)))
	if err != nil {
		t.Fatal(err)
	}
	st := chain.NewStatement(w, testChain, nonce, claim)
	sig, err := chain.SignStatement(w, st)
	if err != nil {
		t.Fatal(err)
	}
	r := chain.NewReceipt(provider, fmt.Sprintf("pay-%d", nonce), fee, "KRW", st.Digest())
	key := issuerKey
	if edit != nil {
		edit(&r)
		if r.Issuer == "rogue" {
			key = rogueKey
		}
	}
	r, err = chain.SignReceipt(key, r)
	if err != nil {
		t.Fatal(err)
	}
	return *chain.NewCareerTx(st, sig, r, chain.Attestation{})
}

func goodClaim(i int) chain.Claim {
	return chain.Claim{
		Role:         []string{"Software Engineer", "Designer", "Data Analyst", "Translator"}[i%4],
		Organisation: []string{"Hanbit Labs", "Acme Corp", "Namsan Studio"}[i%3],
		Start:        fmt.Sprintf("20%02d-%02d-1%d", 10+i%12, 1+i%12, i%10),
		End:          fmt.Sprintf("20%02d-%02d-0%d", 23+i%2, 1+i%12, 1+i%9),
		Description:  strings.Repeat("Built and maintained the payments service. ", 1+i%5),
		Skills:       []string{"go", "sql"}[:1+i%2],
		Evidence:     []string{fmt.Sprintf("sha256:%064x", i+1)},
	}
}

func validInput() Input {
	claim := goodClaim(0)
	claim.Start, claim.End = "2020-01-02", "2021-03-04"
	return Input{ChainID: testChain, Height: 7, Time: blockTime, Tx: chain.Tx{Type: chain.TypeRegister,
		Career: &chain.Career{Statement: chain.Statement{Type: chain.TypeRegister, Claim: claim}}}}
}

// corpusCase is one transaction and what the validator and the sandbox
// payment plugin must say about it ("" is accept).
type corpusCase struct {
	name                   string
	tx                     chain.Tx
	validator, paymentCode string
}

// corpus returns about 100 valid and invalid claims.
func corpus(t testing.TB) []corpusCase {
	type mutation struct {
		name                   string
		claim                  func(*chain.Claim)
		receipt                func(*chain.Receipt)
		validator, paymentCode string
	}
	muts := []mutation{
		{name: "valid"},
		{name: "valid-ongoing", claim: func(c *chain.Claim) { c.End = "" }},
		{name: "empty-role", claim: func(c *chain.Claim) { c.Role = "  " }, validator: "missing_field"},
		{name: "digits-org", claim: func(c *chain.Claim) { c.Organisation = "12345" }, validator: "bad_text"},
		{name: "absurd-role", claim: func(c *chain.Claim) { c.Role = "Engineerrrrrrrrrrrr" }, validator: "bad_text"},
		{name: "long-role", claim: func(c *chain.Claim) { c.Role = strings.Repeat("Senior ", 30) }, validator: "too_long"},
		{name: "feb-30", claim: func(c *chain.Claim) { c.Start = "2021-02-30" }, validator: "bad_date"},
		{name: "end-before-start", claim: func(c *chain.Claim) { c.Start, c.End = "2022-05-01", "2021-05-01" }, validator: "end_before_start"},
		{name: "future-start", claim: func(c *chain.Claim) { c.Start, c.End = "2026-01-01", "" }, validator: "future_start"},
		{name: "bad-evidence", claim: func(c *chain.Claim) { c.Evidence = []string{"md5:abc"} }, validator: "bad_evidence"},
		{name: "control-chars", claim: func(c *chain.Claim) { c.Description = "ok\x00bad" }, validator: "bad_text"},
		{name: "forged", receipt: func(r *chain.Receipt) { r.Issuer = "rogue" }, paymentCode: "unknown_issuer"},
		{name: "wrong-amount", receipt: func(r *chain.Receipt) { r.Amount = fee - 1 }, paymentCode: "wrong_amount"},
		{name: "wrong-currency", receipt: func(r *chain.Receipt) { r.Currency = "USD" }, paymentCode: "wrong_currency"},
		{name: "wrong-claim", receipt: func(r *chain.Receipt) { r.Claim = strings.Repeat("ab", 32) }, paymentCode: "wrong_claim"},
		{name: "wrong-provider", receipt: func(r *chain.Receipt) { r.Provider = "kakaopay" }, paymentCode: "wrong_provider"},
	}
	var out []corpusCase
	for i := range 100 {
		m := muts[i%len(muts)]
		c := goodClaim(i)
		if m.claim != nil {
			m.claim(&c)
		}
		tx := careerTx(t, uint64(i), c, "sandbox", m.receipt)
		out = append(out, corpusCase{fmt.Sprintf("%03d-%s", i, m.name), tx, m.validator, m.paymentCode})
	}
	// A signature that does not verify: flip one bit of a valid receipt's signature.
	tx := careerTx(t, 500, goodClaim(1), "sandbox", nil)
	sig := []byte(tx.Career.Receipt.Sig)
	sig[0] ^= 1
	tx.Career.Receipt.Sig = string(sig)
	out = append(out, corpusCase{"forged-signature", tx, "", "bad_signature"})
	return out
}

func shippedRefs() []chain.PluginRef {
	return []chain.PluginRef{
		pin("career-validator", KindValidator, "", modules["career-validator"]),
		pin("payment-sandbox", KindPayment, paymentConfig(), modules["payment-sandbox"]),
		pin("payment-kakaopay", KindPayment, paymentConfig(), modules["payment-kakaopay"]),
		pin("payment-card", KindPayment, paymentConfig(), modules["payment-card"]),
		pin("authenticity-scorer", KindScorer, "", modules["authenticity-scorer"]),
	}
}

// Two independent hosts (two replicas) reach identical results for every
// shipped plugin over the corpus, and the verdicts are the expected ones.
func TestShippedPluginsAcrossReplicas(t *testing.T) {
	hosts := []*Host{newTestHost(t, Options{PoolSize: 2}), newTestHost(t, Options{PoolSize: 1})}
	for _, h := range hosts {
		for _, ref := range shippedRefs() {
			mustLoad(t, h, ref, modules[ref.Name])
		}
	}
	ctx := context.Background()
	for _, c := range corpus(t) {
		in := Input{ChainID: testChain, Height: 9, Time: blockTime, Tx: c.tx}
		for _, ref := range shippedRefs() {
			a, b := hosts[0].Evaluate(ctx, ref.Name, in), hosts[1].Evaluate(ctx, ref.Name, in)
			if a != b {
				t.Errorf("%s %s: replicas differ: %+v vs %+v", c.name, ref.Name, a, b)
			}
			var want string
			switch ref.Name {
			case "career-validator":
				want = c.validator
			case "payment-sandbox":
				want = c.paymentCode
			case "authenticity-scorer":
				if a.Verdict != pbft.Accept || a.ScorePPM < 0 || a.ScorePPM > MaxScorePPM {
					t.Errorf("%s: scorer: %+v", c.name, a)
				}
				continue
			default:
				continue
			}
			if want == "" && a.Verdict != pbft.Accept || want != "" && (a.Verdict != pbft.Reject || a.Code != want) {
				t.Errorf("%s %s: got %s/%s (%s), want %q", c.name, ref.Name, a.Verdict, a.Code, a.Reason, want)
			}
		}
	}
}

func TestPaymentProviders(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 1})
	for _, ref := range shippedRefs()[1:4] {
		mustLoad(t, h, ref, modules[ref.Name])
	}
	broken := pin("payment-broken-config", KindPayment, `{"issuers":[]}`, modules["payment-card"])
	mustLoad(t, h, broken, modules["payment-card"])
	ctx := context.Background()
	for _, provider := range []string{"sandbox", "kakaopay", "card"} {
		in := Input{ChainID: testChain, Time: blockTime, Tx: careerTx(t, 1, goodClaim(1), provider, nil)}
		for _, module := range []string{"sandbox", "kakaopay", "card"} {
			r := h.Evaluate(ctx, "payment-"+module, in)
			if module == provider && r.Verdict != pbft.Accept {
				t.Errorf("%s receipt in payment-%s: %+v", provider, module, r)
			}
			if module != provider && (r.Verdict != pbft.Reject || r.Code != "wrong_provider") {
				t.Errorf("%s receipt in payment-%s: %+v, want wrong_provider", provider, module, r)
			}
		}
		if r := h.Evaluate(ctx, broken.Name, in); r.Verdict != pbft.Reject || r.Code != "bad_config" {
			t.Errorf("bad config: %+v", r)
		}
	}
}

// The scorer prefers a detailed, evidenced claim to a bare, boastful one.
func TestScorerRanks(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 1})
	ref := shippedRefs()[4]
	mustLoad(t, h, ref, modules[ref.Name])
	plain := goodClaim(2)
	boast := chain.Claim{Role: "CEO", Organisation: "Acme Corp", Start: "1990-01-01",
		Description: "BEST WORLD-CLASS GENIUS NINJA", Skills: strings.Fields("a b c d e f g h i j k l m n")}
	score := func(c chain.Claim) int64 {
		r := h.Evaluate(context.Background(), ref.Name, Input{Time: blockTime, Tx: careerTx(t, 3, c, "sandbox", nil)})
		if r.Verdict != pbft.Accept {
			t.Fatalf("scorer: %+v", r)
		}
		return r.ScorePPM
	}
	if p, b := score(plain), score(boast); p <= 500_000 || b >= 500_000 {
		t.Errorf("plain claim scores %d ppm, boastful one %d ppm", p, b)
	}
}
