package chain

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	f := newFixture(t)
	leader := uint64(3)
	txs := map[string]*Tx{
		"register": f.career(t, careerOpts{}),
		"amend":    f.career(t, careerOpts{typ: TypeAmend}),
		"revoke":   f.revoke(t, f.attester, nil),
		"config":   f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Leader = nil, &leader }),
		"membership": f.config(t, f.operator, func(c *Config) {
			c.PoWDifficulty, c.Membership = nil, []byte("\x00\x01binary\xff")
		}),
		"unicode": f.career(t, careerOpts{statement: func(s *Statement) {
			s.Claim.Organisation = "주식회사 카카오 \"Kakao\" <Corp> & \\ \u2028 😀"
			s.Claim.Description = "line one\nline two\ttab\u0001"
		}}),
	}
	for name, tx := range txs {
		t.Run(name, func(t *testing.T) {
			tx.PoW = 12345
			b, err := EncodeTx(tx)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeTx(b, 0)
			if err != nil {
				t.Fatalf("DecodeTx(EncodeTx(tx)): %v\n%s", err, b)
			}
			if TxID(back) != TxID(tx) || TxID(tx) == "" {
				t.Fatalf("TxID changed in a round trip: %s vs %s", TxID(back), TxID(tx))
			}
			if err := back.CheckStateless(f.params()); err != nil {
				t.Fatalf("decoded tx fails CheckStateless: %v", err)
			}
			tx.PoW++
			if TxID(back) == TxID(tx) {
				t.Fatal("TxID does not cover the PoW stamp")
			}
		})
	}
}

func TestDecodeTxRejects(t *testing.T) {
	f := newFixture(t)
	good, err := EncodeTx(f.revoke(t, f.holder, nil))
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	tests := []struct {
		name string
		in   string
		max  int
		want error
	}{
		{"empty", "", 0, ErrMalformed},
		{"not JSON", "hello", 0, ErrMalformed},
		{"array", "[]", 0, ErrMalformed},
		{"too large", s, len(s) - 1, ErrTooLarge},
		{"too large by default", `{"pad":"` + strings.Repeat("x", DefaultMaxTxBytes) + `"}`, 0, ErrTooLarge},
		{"unknown field", strings.Replace(s, `{"pow"`, `{"extra":1,"pow"`, 1), 0, ErrMalformed},
		{"unknown nested field", strings.Replace(s, `"by"`, `"bz":"","by"`, 1), 0, ErrMalformed},
		{"trailing value", s + `{}`, 0, ErrMalformed},
		{"trailing garbage", s + `]`, 0, ErrMalformed},
		{"trailing newline", s + "\n", 0, ErrNonCanonical},
		{"leading space", " " + s, 0, ErrNonCanonical},
		{"keys out of order", "{" + strings.Replace(strings.TrimPrefix(s, `{"pow":0,`), `,"type"`, `,"pow":0,"type"`, 1), 0, ErrNonCanonical},
		{"upper-case key", strings.Replace(s, `"type"`, `"Type"`, 1), 0, ErrNonCanonical},
		{"duplicate key", strings.Replace(s, `{"pow":0,`, `{"pow":1,"pow":0,`, 1), 0, ErrNonCanonical},
		{"null body", strings.Replace(s, `{"pow":0,`, `{"career":null,"pow":0,`, 1), 0, ErrNonCanonical},
		{"escaped letter", strings.Replace(s, `entered`, `\u0065ntered`, 1), 0, ErrNonCanonical},
		{"escaped slash", strings.Replace(s, `entered`, `\/entered`, 1), 0, ErrNonCanonical},
		{"invalid UTF-8", strings.Replace(s, `entered`, "ent\xffred", 1), 0, ErrNonCanonical},
		{"number with exponent", strings.Replace(s, `"pow":0`, `"pow":0e0`, 1), 0, ErrMalformed},
		{"number with leading zero", strings.Replace(s, `"nonce":7`, `"nonce":07`, 1), 0, ErrMalformed},
		{"negative nonce", strings.Replace(s, `"nonce":7`, `"nonce":-7`, 1), 0, ErrMalformed},
		{"nonce beyond 2^53", strings.Replace(s, `"nonce":7`, `"nonce":9007199254740993`, 1), 0, ErrMalformed},
		{"string for number", strings.Replace(s, `"nonce":7`, `"nonce":"7"`, 1), 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in == s && tt.max == 0 {
				t.Fatal("test case does not change the encoding")
			}
			tx, err := DecodeTx([]byte(tt.in), tt.max)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeTx = %+v, %v; want %v", tx, err, tt.want)
			}
		})
	}
	if _, err := DecodeTx(good, len(good)); err != nil {
		t.Fatalf("DecodeTx at exactly the limit: %v", err)
	}
}

func TestEncodeTxNil(t *testing.T) {
	if _, err := EncodeTx(nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("EncodeTx(nil) = %v", err)
	}
	if id := TxID(nil); id != "" {
		t.Fatalf("TxID(nil) = %q", id)
	}
}

func TestEncodeTxForm(t *testing.T) {
	f := newFixture(t)
	b, err := EncodeTx(f.revoke(t, f.holder, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"pow":0,"revoke":{"by":"`)) || !bytes.HasSuffix(b, []byte(`"},"type":"career.revoke"}`)) {
		t.Fatalf("EncodeTx = %s", b)
	}
}

func TestHolderAndSubjects(t *testing.T) {
	f := newFixture(t)
	career := f.career(t, careerOpts{})
	tests := []struct {
		name     string
		tx       *Tx
		holder   string
		subjects []string
	}{
		{"career", career, f.holder.Address(), []string{f.holder.Address()}},
		{"revoke by attester", f.revoke(t, f.attester, nil), "", []string{f.attester.Address()}},
		{"config", f.config(t, f.operator, nil), "", []string{f.operator.Address()}},
		{"nil", nil, "", nil},
		{"bad key", &Tx{Type: TypeRevoke, Revoke: &Revoke{By: "zz"}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Holder(tt.tx); got != tt.holder {
				t.Errorf("Holder = %q, want %q", got, tt.holder)
			}
			got := Subjects(tt.tx)
			if strings.Join(got, ",") != strings.Join(tt.subjects, ",") {
				t.Errorf("Subjects = %v, want %v", got, tt.subjects)
			}
		})
	}
}

func TestSizeAndPoWData(t *testing.T) {
	f := newFixture(t)
	for _, pow := range []uint64{0, 9, 10, 12345, MaxSafeInteger} {
		tx := f.career(t, careerOpts{})
		tx.PoW = pow
		size, data, err := sizeAndPoWData(tx)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := EncodeTx(tx)
		want, _ := PoWData(tx)
		if size != len(enc) || !bytes.Equal(data, want) {
			t.Errorf("pow %d: size %d, want %d; data %x, want %x", pow, size, len(enc), data, want)
		}
	}
	if _, _, err := sizeAndPoWData(&Tx{PoW: MaxSafeInteger + 1}); !errors.Is(err, ErrMalformed) {
		t.Errorf("pow beyond 2^53: %v", err)
	}
}
