package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

func decode(t *testing.T, b []byte) Output {
	t.Helper()
	var o Output
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("output %q: %v", b, err)
	}
	return o
}

func TestHandle(t *testing.T) {
	accept := func(Input) Output { return Accept() }
	tests := []struct {
		name    string
		h       Handler
		input   string
		verdict string
		code    string
	}{
		{"accept", accept, `{"abi":1,"tx":{"type":"career.revoke"}}`, VerdictAccept, ""},
		{"reject", func(Input) Output { return Reject("nope", "because") }, `{"abi":1}`, VerdictReject, "nope"},
		{"malformed", accept, `{"abi":`, VerdictReject, CodeMalformedInput},
		{"not an object", accept, `[]`, VerdictReject, CodeMalformedInput},
		{"abi 2", accept, `{"abi":2}`, VerdictReject, CodeABIMismatch},
		{"no abi", accept, `{}`, VerdictReject, CodeABIMismatch},
		{"panic string", func(Input) Output { panic("boom") }, `{"abi":1}`, VerdictReject, CodePanic},
		{"panic runtime", func(in Input) Output { _ = in.Tx.Career.Statement; return Accept() }, `{"abi":1}`, VerdictReject, CodePanic},
		{"bad verdict", func(Input) Output { return Output{Verdict: "maybe"} }, `{"abi":1}`, VerdictReject, CodePanic},
		{"no handler", nil, `{"abi":1}`, VerdictReject, CodePanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := decode(t, Handle(tt.h, []byte(tt.input)))
			if o.Verdict != tt.verdict || o.Code != tt.code {
				t.Fatalf("got %+v, want %s/%s", o, tt.verdict, tt.code)
			}
		})
	}
}

func TestHandleSeesInput(t *testing.T) {
	var got Input
	Handle(func(in Input) Output { got = in; return Accept() },
		[]byte(`{"abi":1,"kind":"validator","chain_id":"c","height":3,"time":1700000000,"config":"cfg","tx":{"type":"career.register","career":{"statement":{"claim":{"role":"Engineer"}}}}}`))
	if got.Kind != "validator" || got.ChainID != "c" || got.Height != 3 || got.Time != 1700000000 || got.Config != "cfg" ||
		got.Tx.Type != chain.TypeRegister || got.Tx.Career.Statement.Claim.Role != "Engineer" {
		t.Fatalf("handler saw %+v", got)
	}
}

func TestScoreClamps(t *testing.T) {
	for in, want := range map[int64]int64{-5: 0, 0: 0, 123: 123, MaxScorePPM: MaxScorePPM, MaxScorePPM + 1: MaxScorePPM} {
		if o := Score(in); o.ScorePPM != want || o.Verdict != VerdictAccept {
			t.Errorf("Score(%d) = %+v", in, o)
		}
	}
}

func TestRegisterOnce(t *testing.T) {
	defer func() { registered = nil }()
	if !Register(func(Input) Output { return Accept() }) {
		t.Fatal("Register returned false")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "twice") {
			t.Fatalf("second Register: recovered %v", r)
		}
	}()
	Register(func(Input) Output { return Accept() })
}

// FuzzHandle: any input yields a valid output document.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{`{"abi":1}`, `{"abi":1,"tx":{"career":{}}}`, `{`, `null`, `{"abi":1,"tx":{"career":null}}`} {
		f.Add([]byte(s))
	}
	h := func(in Input) Output {
		if in.Tx.Career.Statement.Claim.Role == "" { // panics when Career is nil
			return Reject("empty", "no role")
		}
		return Accept()
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		o := decode(t, Handle(h, input))
		if o.Verdict != VerdictAccept && o.Verdict != VerdictReject {
			t.Fatalf("verdict %q", o.Verdict)
		}
	})
}
