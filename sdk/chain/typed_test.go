package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// sameAsCanonical checks the typed encoding of tx, and of each part a
// signature covers, against the generic Canonical byte for byte, errors
// included.
func sameAsCanonical(t *testing.T, tx *Tx) {
	t.Helper()
	check := func(what string, typed []byte, terr error, v any, tag string) {
		t.Helper()
		want, werr := Canonical(v)
		if werr != nil || terr != nil {
			if (werr == nil) != (terr == nil) || !errors.Is(terr, ErrCanonical) {
				t.Fatalf("%s: typed error %v, Canonical error %v", what, terr, werr)
			}
			return
		}
		if tag != "" {
			want = append([]byte(tag+"\n"), want...)
		}
		if !bytes.Equal(typed, want) {
			t.Fatalf("%s:\ntyped     %q\nCanonical %q", what, typed, want)
		}
	}
	b, err := EncodeTx(tx)
	check("tx", b, err, tx, "")
	if c := tx.Career; c != nil {
		b, err = StatementSigningBytes(c.Statement)
		check("statement", b, err, c.Statement, TagStatement)
		r := c.Receipt
		b, err = ReceiptSigningBytes(r)
		r.Sig = ""
		check("receipt", b, err, r, TagReceipt)
		a := c.Attestation
		b, err = AttestationSigningBytes(a.Sig, a.Attester, a.Time, c.HolderSig)
		check("attestation", b, err, attestationBody{Attester: c.HolderSig, Receipt: a.Attester, Statement: a.Sig, Time: a.Time}, TagAttestation)
	}
	if r := tx.Revoke; r != nil {
		b, err = RevokeSigningBytes(*r)
		v := *r
		v.Sig = ""
		check("revoke", b, err, v, TagRevoke)
	}
	if c := tx.Config; c != nil {
		b, err = ConfigSigningBytes(*c)
		v := *c
		v.Sig = ""
		check("config", b, err, v, TagConfig)
	}
}

func TestTypedCanonical(t *testing.T) {
	fx := newFixture(t)
	leader, diff := uint64(3), uint8(20)
	odd := "a\"b\\c\x00\x1f\x7f\b\t\n\f\r \u2028\u2029 é 😀 \xff\xc3 \xed\xa0\x80 <&>"
	txs := []*Tx{
		fx.career(t, careerOpts{}),
		fx.career(t, careerOpts{typ: TypeAmend}),
		fx.revoke(t, fx.holder, nil),
		fx.config(t, fx.operator, nil),
		fx.config(t, fx.operator, func(c *Config) {
			c.Leader, c.PoWDifficulty, c.Membership = &leader, &diff, []byte{0, 1, 0xfe, 0xff, 'x'}
			c.Plugins = []PluginRef{{Name: odd, Kind: "validator", SHA256: "ab", Config: odd}, {Name: "p", Version: "1"}}
		}),
		fx.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{fx.stranger.KeyHex(), odd}, Remove: []string{fx.attester.KeyHex()}}),
		fx.keyChange(t, KeyChange{Set: odd, Remove: []string{""}}),
		fx.keyChange(t, KeyChange{Add: []string{}, Remove: []string{}}),
		{Type: odd, PoW: MaxSafeInteger},
		{Type: "x", PoW: MaxSafeInteger + 1},
		{Type: "x", Revoke: &Revoke{Nonce: 1 << 60}},
		{Type: "x", Career: &Career{Receipt: Receipt{Amount: -MaxSafeInteger - 1}}},
		{Type: "x", Career: &Career{Attestation: Attestation{Time: -5}, Statement: Statement{Claim: Claim{Skills: []string{}, Evidence: []string{"", odd}, End: odd}}}},
	}
	for i, tx := range txs {
		t.Run(string(rune('a'+i)), func(t *testing.T) { sameAsCanonical(t, tx) })
	}
}

// FuzzTypedCanonical decodes arbitrary JSON leniently into a Tx and checks
// that the typed encoder agrees with Canonical on it.
func FuzzTypedCanonical(f *testing.F) {
	fx := newFixture(f)
	for _, tx := range []*Tx{fx.career(f, careerOpts{}), fx.revoke(f, fx.holder, nil), fx.config(f, fx.operator, nil)} {
		b, err := json.Marshal(tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"type":"\u0000\ud800","pow":9007199254740993,"config":{"leader":1,"plugins":[{}],"membership":"AAE="}}`))
	f.Add([]byte(`{"type":"config.change","pow":0,"config":{"keys":{"set":"attesters","add":["a","\u00e9"],"remove":[]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tx Tx
		if json.Unmarshal(b, &tx) != nil {
			return
		}
		sameAsCanonical(t, &tx)
	})
}
