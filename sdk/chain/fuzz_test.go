package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

func FuzzDecodeTx(f *testing.F) {
	fx := newFixture(f)
	for _, tx := range []*Tx{fx.career(f, careerOpts{}), fx.career(f, careerOpts{typ: TypeAmend}), fx.revoke(f, fx.holder, nil), fx.config(f, fx.operator, nil)} {
		b, err := EncodeTx(tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if raw, err := os.ReadFile(vectorsPath); err == nil {
		var v vectors
		if json.Unmarshal(raw, &v) == nil {
			for _, tv := range v.Transactions {
				f.Add([]byte(tv.Encoding))
			}
		}
	}
	f.Add([]byte(`{"pow":0,"type":"career.revoke"}`))
	f.Add([]byte(`{"pow":0,"revoke":{},"type":"x"} `))
	f.Add([]byte(`{"pow":1e400}`))
	params := fx.params()
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, err := DecodeTx(b, 4096)
		if err != nil {
			if tx != nil {
				t.Fatal("DecodeTx returned a tx and an error")
			}
			return
		}
		// Accepted bytes are canonical: they re-encode to themselves.
		enc, err := EncodeTx(tx)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("accepted %q re-encodes to %q, %v", b, enc, err)
		}
		if TxID(tx) != hexSum(b) {
			t.Fatal("TxID is not the hash of the accepted bytes")
		}
		// The stateless checks never panic on a decoded tx.
		_ = tx.CheckStateless(params)
		_ = Subjects(tx)
	})
}

func FuzzParseAddress(f *testing.F) {
	good := testWallet(f, "holder").Address()
	for _, s := range []string{good, mistype(good), "", "cc1", good + "0", "CC1" + good[3:], good[:10] + "é" + good[12:]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrAddress) && !errors.Is(err, ErrAddressChecksum) {
				t.Fatalf("ParseAddress(%q) = %v, not a sentinel", s, err)
			}
			return
		}
		if again, err := ParseAddress(a); err != nil || again != a {
			t.Fatalf("canonical %q does not parse to itself: %q, %v", a, again, err)
		}
		if len(a) != AddressLen || a != asciiLower(s) {
			t.Fatalf("ParseAddress(%q) = %q", s, a)
		}
	})
}

func FuzzCanonical(f *testing.F) {
	for _, c := range canonicalCases {
		f.Add([]byte(c.Input))
	}
	f.Add([]byte(`{"a":{"b":[1,{"c":"\u0000"}]},"\ud800":1}`))
	f.Add([]byte(`[1,2,3`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // json.Marshal rejects invalid RawMessage; nothing to test.
		}
		out, err := Canonical(json.RawMessage(b))
		if err != nil {
			if !errors.Is(err, ErrCanonical) {
				t.Fatalf("Canonical(%q) = %v, not ErrCanonical", b, err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Canonical(%q) = %q, not JSON", b, out)
		}
		again, err := Canonical(json.RawMessage(out))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Canonical is not idempotent on %q: %q, %v", out, again, err)
		}
		// Same value: both parse to equal trees.
		var x, y any
		dx := json.NewDecoder(bytes.NewReader(b))
		dx.UseNumber()
		_ = dx.Decode(&x)
		if json.Unmarshal(out, &y) != nil || !sameJSON(x, y) {
			t.Fatalf("Canonical(%q) = %q changes the value", b, out)
		}
	})
}

// sameJSON compares a tree decoded with UseNumber to one decoded without.
func sameJSON(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		bf, ok := b.(float64)
		af, err := a.Float64()
		return ok && err == nil && af == bf
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			if !sameJSON(v, bm[k]) {
				return false
			}
		}
		return true
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !sameJSON(a[i], bs[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

func FuzzProofStepJSON(f *testing.F) {
	f.Add([]byte(`{"hash":"` + hexSum(nil) + `","left":true}`))
	f.Add([]byte(`{"hash":"00"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p ProofStep
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q ProofStep
		if err := json.Unmarshal(out, &q); err != nil || q != p {
			t.Fatalf("round trip of %q: %+v, %v", out, q, err)
		}
	})
}
