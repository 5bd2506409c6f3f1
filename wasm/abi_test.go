package wasm

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	guest "github.com/careerchain/careerchain/sdk/plugin"
)

func TestDecodeOutput(t *testing.T) {
	tests := []struct {
		out     string
		verdict pbft.Verdict // or faulted
		code    string
		score   int64
	}{
		{`{"verdict":"accept"}`, pbft.Accept, "", 0},
		{`{"verdict":"accept","score_ppm":1000000}`, pbft.Accept, "", 1_000_000},
		{`{"verdict":"accept","score_ppm":0,"extra":1}`, pbft.Accept, "", 0},
		{`{"verdict":"reject","code":"bad_dates","reason":"end before start"}`, pbft.Reject, "bad_dates", 0},
		{`{"verdict":"reject"}`, pbft.Reject, "rejected", 0},
		{`{"verdict":"accept","score_ppm":1000001}`, faulted, CodeBadOutput, 0},
		{`{"verdict":"accept","score_ppm":-1}`, faulted, CodeBadOutput, 0},
		{`{"verdict":"accept","score_ppm":0.5}`, faulted, CodeBadOutput, 0},
		{`{"verdict":"fault"}`, faulted, CodeBadOutput, 0},
		{`{"verdict":"abstain"}`, faulted, CodeBadOutput, 0},
		{`{}`, faulted, CodeBadOutput, 0},
		{`{"verdict":"accept"} {}`, faulted, CodeBadOutput, 0},
		{`[1]`, faulted, CodeBadOutput, 0},
		{``, faulted, CodeBadOutput, 0},
		{"\x00\xff", faulted, CodeBadOutput, 0},
	}
	for _, tt := range tests {
		r := decodeOutput("p", []byte(tt.out))
		if outcome(r) != tt.verdict || r.Code != tt.code || r.ScorePPM != tt.score || r.Plugin != "p" {
			t.Errorf("decodeOutput(%q) = %+v, want %s/%s/%d", tt.out, r, tt.verdict, tt.code, tt.score)
		}
	}
}

func TestDecodeOutputClipsText(t *testing.T) {
	r := decodeOutput("p", []byte(`{"verdict":"reject","code":"`+strings.Repeat("c", 100)+`","reason":"`+strings.Repeat("é", 1000)+`"}`))
	if len(r.Code) != maxCodeLen || len(r.Reason) > maxReasonLen || !utf8.ValidString(r.Reason) {
		t.Errorf("code %d bytes, reason %d bytes (valid UTF-8: %v)", len(r.Code), len(r.Reason), utf8.ValidString(r.Reason))
	}
}

// FuzzDecodeOutput: any guest output yields a well-formed Result.
func FuzzDecodeOutput(f *testing.F) {
	for _, s := range []string{`{"verdict":"accept"}`, `{"verdict":"reject","code":"x","reason":"y"}`,
		`{"verdict":"accept","score_ppm":5}`, `{"verdict":"reject","code":"c","score_ppm":-0}`, `null`, `{"verdict":"accept","code":"\udc00"}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		r := decodeOutput("p", out)
		switch {
		case r.Verdict == pbft.Accept && !r.Fault, r.Verdict == pbft.Reject:
		default:
			t.Fatalf("verdict %v (fault %v)", r.Verdict, r.Fault)
		}
		if r.ScorePPM < 0 || r.ScorePPM > MaxScorePPM || len(r.Code) > maxCodeLen || len(r.Reason) > maxReasonLen+200 ||
			!utf8.ValidString(r.Code) || !utf8.ValidString(r.Reason) {
			t.Fatalf("bad result %+v", r)
		}
		if r.Verdict == pbft.Reject && r.Code == "" {
			t.Fatal("reject without code")
		}
		// The scanner agrees with encoding/json on whatever it takes.
		var w wireOutput
		var score int64
		if decodeOutputFast(out, &w, &score) {
			if want := decodeOutputJSON("p", out); r != want {
				t.Fatalf("%q: scanner %+v, encoding/json %+v", out, r, want)
			}
		}
	})
}

// The scanner takes every output the SDK writes, and gives what
// encoding/json gives.
func TestDecodeOutputFast(t *testing.T) {
	outs := []guest.Output{guest.Accept(), guest.Score(0), guest.Score(guest.MaxScorePPM), guest.Score(123),
		guest.Reject("bad_dates", "end 2020-01-01 is before start 2021-01-01"), guest.Reject("x", ""),
		guest.Reject("long", strings.Repeat("ü", 700)), {Verdict: "maybe"}, {Verdict: guest.VerdictAccept, ScorePPM: -5}}
	for _, o := range outs {
		raw := guest.AppendOutput(nil, o)
		var w wireOutput
		var score int64
		if !decodeOutputFast(raw, &w, &score) {
			t.Errorf("scanner refuses %s", raw)
		}
		if got, want := decodeOutput("p", raw), decodeOutputJSON("p", raw); got != want {
			t.Errorf("%s: %+v, encoding/json %+v", raw, got, want)
		}
	}
	for _, raw := range []string{`{"verdict":"accept","score_ppm":01}`, `{"verdict":"accept","score_ppm":1} `,
		`{"verdict":"a\"b","score_ppm":1}`, "{\"verdict\":\"\xff\",\"score_ppm\":1}", `{"verdict":"accept","score_ppm":1234567890123456789}`,
		`{"verdict":"accept","score_ppm":-}`, `{"verdict":"accept"}`} {
		var w wireOutput
		var score int64
		if decodeOutputFast([]byte(raw), &w, &score) {
			t.Errorf("scanner takes %s", raw)
		}
	}
	accept := []byte(`{"verdict":"accept","score_ppm":0}`)
	if n := testing.AllocsPerRun(100, func() { decodeOutput("p", accept) }); n != 0 {
		t.Errorf("decoding an accept allocates %v times", n)
	}
}

// Each kind gets what it needs, and the payment plugins' derived values are
// sdk/chain's.
func TestEncodeInput(t *testing.T) {
	tx := careerTx(t, 4, goodClaim(4), "sandbox", nil)
	in := Input{ChainID: testChain, Height: 5, Time: blockTime, Tx: tx}
	refs := shippedRefs()
	decode := func(ref chain.PluginRef, in Input) guest.Input {
		t.Helper()
		var g guest.Input
		if err := guest.DecodeInput(encodeInput(nil, ref, &in), &g); err != nil {
			t.Fatal(err)
		}
		if g.Kind != ref.Kind || g.Config != ref.Config || g.ChainID != testChain || g.Height != 5 || g.Time != blockTime || g.TxType != in.Tx.Type {
			t.Fatalf("context %+v", g)
		}
		return g
	}
	v := decode(refs[0], in)
	if !v.HasCareer || v.Statement.Claim.Role != tx.Career.Statement.Claim.Role || v.Statement.HolderKey != tx.Career.Statement.HolderKey ||
		len(v.Statement.Claim.Evidence) != 1 || v.Receipt != (guest.Receipt{}) || v.ReceiptSigningBytes != nil {
		t.Errorf("validator input %+v", v)
	}
	p := decode(refs[1], in)
	wantMsg, err := chain.ReceiptSigningBytes(tx.Career.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasCareer || p.Receipt.Sig != tx.Career.Receipt.Sig || p.Receipt.Amount != fee || p.StatementDigest != tx.Career.Statement.Digest() ||
		!bytes.Equal(p.ReceiptSigningBytes, wantMsg) || p.Statement.Claim.Role != "" {
		t.Errorf("payment input %+v", p)
	}
	in.Tx = chain.Tx{Type: chain.TypeRevoke}
	if r := decode(refs[1], in); r.HasCareer || r.StatementDigest != "" {
		t.Errorf("revoke input %+v", r)
	}
}
