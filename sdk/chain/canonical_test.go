package chain

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"keys sorted", json.RawMessage(`{"b":1,"a":2,"c":{"z":true,"y":null}}`), `{"a":2,"b":1,"c":{"y":null,"z":true}}`},
		{"whitespace removed", json.RawMessage(" [ 1 , 2 ,\n\t3 ] "), `[1,2,3]`},
		{"keys by UTF-16 units (RFC 8785 §3.2.3)", json.RawMessage(`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`),
			"{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\",\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"control characters", json.RawMessage(`"\u0000\u0001\b\t\n\u000b\f\r\u001f\u007f"`), "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\x7f\""},
		{"quote and backslash", "a\"b\\c/d", `"a\"b\\c/d"`},
		{"HTML characters literal", "<a&b>", `"<a&b>"`},
		{"non-ASCII literal", json.RawMessage(`"\u00e9\u2028\ud83d\ude00"`), "\"é\u2028😀\""},
		{"negative zero", json.RawMessage(`-0`), `0`},
		{"max safe integer", json.RawMessage(`[9007199254740991,-9007199254740991]`), `[9007199254740991,-9007199254740991]`},
		{"struct field order", struct {
			Z int    `json:"z"`
			A string `json:"a"`
		}{1, "x"}, `{"a":"x","z":1}`},
		{"empty containers", map[string]any{"a": []int{}, "b": map[string]int{}}, `{"a":[],"b":{}}`},
		{"bytes as base64", []byte{0, 1, 2, 250}, `"AAEC+g=="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.in)
			if err != nil {
				t.Fatalf("Canonical: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("Canonical =\n%s\nwant\n%s", got, tt.want)
			}
			again, err := Canonical(json.RawMessage(got))
			if err != nil || string(again) != string(got) {
				t.Fatalf("Canonical is not idempotent: %s, %v", again, err)
			}
		})
	}
}

func TestCanonicalRejects(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"fraction", json.RawMessage(`1.5`)},
		{"integral fraction", json.RawMessage(`{"a":1.0}`)},
		{"exponent", json.RawMessage(`[1e3]`)},
		{"float value", 0.5},
		{"beyond 2^53", json.RawMessage(`9007199254740992`)},
		{"below -2^53", int64(-MaxSafeInteger - 1)},
		{"beyond int64", json.RawMessage(`123456789012345678901234567890`)},
		{"uint64 beyond 2^53", uint64(1 << 63)},
		{"invalid UTF-8 in raw JSON", json.RawMessage("\"\xff\"")},
		{"invalid JSON", json.RawMessage(`{"a":}`)},
		{"not marshalable", make(chan int)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.in)
			if !errors.Is(err, ErrCanonical) {
				t.Fatalf("Canonical = %q, %v; want ErrCanonical", got, err)
			}
		})
	}
}

func TestSigningBytesDomainSeparated(t *testing.T) {
	f := newFixture(t)
	tx := f.career(t, careerOpts{})
	s := tx.Career.Statement
	sb, err := StatementSigningBytes(s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Canonical(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := TagStatement + "\n" + string(c); string(sb) != want {
		t.Fatalf("StatementSigningBytes = %q, want %q", sb, want)
	}
	// A receipt's signing bytes do not depend on its signature.
	r := tx.Career.Receipt
	rb1, _ := ReceiptSigningBytes(r)
	r.Sig = ""
	rb2, _ := ReceiptSigningBytes(r)
	if string(rb1) != string(rb2) {
		t.Fatal("ReceiptSigningBytes depends on Sig")
	}
	// The same statement signed as a revoke would be a different message.
	rv := Revoke{ChainID: s.ChainID, Nonce: s.Nonce}
	vb, _ := RevokeSigningBytes(rv)
	cb, _ := ConfigSigningBytes(Config{ChainID: s.ChainID, Nonce: s.Nonce})
	tags := map[string]string{string(sb[:len(TagStatement)]): "", string(rb1[:len(TagReceipt)]): "", string(vb[:len(TagRevoke)]): "", string(cb[:len(TagConfig)]): ""}
	if len(tags) != 4 {
		t.Fatalf("signing bytes share a domain tag: %v", tags)
	}
	if s.Digest() == "" || s.Digest() != hexSum(sb) {
		t.Fatalf("Statement.Digest = %q", s.Digest())
	}
	s.Nonce = MaxSafeInteger + 1
	if d := s.Digest(); d != "" {
		t.Fatalf("Digest of an unencodable statement = %q, want empty", d)
	}
}
