package chain

import (
	"crypto/sha256"
	"testing"
)

const testChain = "careerchain-test"

// testSeed returns a fixed 32-byte seed named by label.
func testSeed(label string) []byte {
	s := sha256.Sum256([]byte("careerchain test seed " + label))
	return s[:]
}

func testWallet(t testing.TB, label string) Wallet {
	t.Helper()
	w, err := WalletFromSeed(testSeed(label))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// fixture holds the keys of a small test chain.
type fixture struct {
	holder, issuer, attester, operator, stranger Wallet
}

func newFixture(t testing.TB) *fixture {
	return &fixture{
		holder:   testWallet(t, "holder"),
		issuer:   testWallet(t, "issuer"),
		attester: testWallet(t, "attester"),
		operator: testWallet(t, "operator"),
		stranger: testWallet(t, "stranger"),
	}
}

func (f *fixture) params() Params {
	return Params{
		ChainID:        testChain,
		Attesters:      map[string]bool{f.attester.KeyHex(): true},
		PaymentIssuers: map[string]bool{f.issuer.KeyHex(): true},
		ConfigSigners:  map[string]bool{f.operator.KeyHex(): true},
	}
}

func testClaim() Claim {
	return Claim{
		Role:         "Backend engineer",
		Organisation: "Acme Ltd",
		Start:        "2021-03-01",
		End:          "2023-08-31",
		Description:  "Payments platform; Go, PostgreSQL.",
		Skills:       []string{"Go", "PostgreSQL"},
		Evidence:     []string{"sha256:" + hexSum([]byte("contract.pdf"))},
	}
}

// careerOpts changes a career transaction at each stage of its making.
type careerOpts struct {
	typ       string
	statement func(*Statement) // before the holder signs
	receipt   func(*Receipt)   // before the issuer signs
	signer    *Wallet          // signs the statement instead of the holder
	issuer    *Wallet          // signs the receipt instead of f.issuer
	attester  *Wallet          // attests instead of f.attester
	attTime   int64
	after     func(*Tx) // after everything is signed
}

// career builds a signed career transaction; every stage can be changed.
func (f *fixture) career(t testing.TB, o careerOpts) *Tx {
	t.Helper()
	s := NewStatement(f.holder, testChain, 42, testClaim())
	if o.typ != "" {
		s.Type = o.typ
	}
	if s.Type == TypeAmend {
		s.Supersedes = hexSum([]byte("old record"))
	}
	if o.statement != nil {
		o.statement(&s)
	}
	signer := f.holder
	if o.signer != nil {
		signer = *o.signer
		s.HolderKey = signer.KeyHex()
	}
	sig, err := SignStatement(signer, s)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReceipt("sandbox", "pay_0001", 5000, "KRW", s.Digest())
	if o.receipt != nil {
		o.receipt(&r)
	}
	issuer := f.issuer
	if o.issuer != nil {
		issuer = *o.issuer
	}
	if r, err = SignReceipt(issuer.PrivateKey(), r); err != nil {
		t.Fatal(err)
	}
	attester := f.attester
	if o.attester != nil {
		attester = *o.attester
	}
	at := o.attTime
	if at == 0 {
		at = 1_700_000_000
	}
	a, err := Attest(attester.PrivateKey(), s, r, at)
	if err != nil {
		t.Fatal(err)
	}
	tx := NewCareerTx(s, sig, r, a)
	if o.after != nil {
		o.after(tx)
	}
	return tx
}

func (f *fixture) revoke(t testing.TB, by Wallet, mod func(*Revoke)) *Tx {
	t.Helper()
	r := Revoke{ChainID: testChain, Nonce: 7, Target: hexSum([]byte("record")), Reason: "entered by mistake"}
	if mod != nil {
		mod(&r)
	}
	r, err := SignRevoke(by.PrivateKey(), r)
	if err != nil {
		t.Fatal(err)
	}
	return NewRevokeTx(r)
}

func (f *fixture) config(t testing.TB, by Wallet, mod func(*Config)) *Tx {
	t.Helper()
	d := uint8(4)
	c := Config{ChainID: testChain, Nonce: 1, PoWDifficulty: &d}
	if mod != nil {
		mod(&c)
	}
	c, err := SignConfig(by.PrivateKey(), c)
	if err != nil {
		t.Fatal(err)
	}
	return NewConfigTx(c)
}

// keyChange builds a config.change of the key sets signed by the operator.
func (f *fixture) keyChange(t testing.TB, k KeyChange) *Tx {
	t.Helper()
	return f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Keys = nil, &k })
}
