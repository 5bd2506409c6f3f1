package plugin

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/careerchain/careerchain/sdk/chain"
)

func decode(t *testing.T, b []byte) Output {
	t.Helper()
	var o struct {
		Verdict  string `json:"verdict"`
		Code     string `json:"code"`
		Reason   string `json:"reason"`
		ScorePPM int64  `json:"score_ppm"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("output %q: %v", b, err)
	}
	return Output(o)
}

func doc(in Input) []byte { return AppendInput(nil, &in) }

// fullInput sets every field.
func fullInput() Input {
	return Input{
		ABI: ABIVersion, Kind: KindPayment, ChainID: "c", Height: 3, Time: -5, Config: "cfg",
		TxType: TypeAmend, HasCareer: true,
		Statement: Statement{ChainID: "c", Type: TypeAmend, Nonce: 1 << 60, Holder: "cc1x", HolderKey: "ab",
			Supersedes: "0f", Claim: Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01", End: "2021-01-01",
				Description: "did \x00 things", Skills: []string{"go", ""}, Evidence: []string{"sha256:00"}}},
		Receipt:         Receipt{Provider: "sandbox", PaymentID: "p", Amount: -7, Currency: "KRW", Claim: "cl", Issuer: "is", Sig: "sg"},
		StatementDigest: "d", ReceiptSigningBytes: []byte{0, 1, 2},
	}
}

func TestHandle(t *testing.T) {
	accept := func(Input) Output { return Accept() }
	revoke := doc(Input{TxType: TypeRevoke})
	abi2 := binary.LittleEndian.AppendUint64([]byte{TagABI, 8, 0, 0, 0}, 2)
	tests := []struct {
		name    string
		h       Handler
		input   []byte
		verdict string
		code    string
	}{
		{"accept", accept, revoke, VerdictAccept, ""},
		{"reject", func(Input) Output { return Reject("nope", "because") }, revoke, VerdictReject, "nope"},
		{"empty", accept, nil, VerdictReject, CodeMalformedInput},
		{"json", accept, []byte(`{"abi":1}`), VerdictReject, CodeMalformedInput},
		{"truncated", accept, revoke[:len(revoke)-1], VerdictReject, CodeMalformedInput},
		{"short integer", accept, append(append([]byte(nil), revoke...), TagHeight, 1, 0, 0, 0, 9), VerdictReject, CodeMalformedInput},
		{"abi 2", accept, abi2, VerdictReject, CodeABIMismatch},
		{"unknown tag skipped", accept, append(append([]byte(nil), revoke...), 0xee, 2, 0, 0, 0, 'h', 'i'), VerdictAccept, ""},
		{"panic string", func(Input) Output { panic("boom") }, revoke, VerdictReject, CodePanic},
		{"panic runtime", func(in Input) Output { _ = in.Statement.Claim.Skills[3]; return Accept() }, revoke, VerdictReject, CodePanic},
		{"bad verdict", func(Input) Output { return Output{Verdict: "maybe"} }, revoke, VerdictReject, CodePanic},
		{"no handler", nil, revoke, VerdictReject, CodePanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := decode(t, Handle(tt.h, tt.input))
			if o.Verdict != tt.verdict || o.Code != tt.code {
				t.Fatalf("got %+v, want %s/%s", o, tt.verdict, tt.code)
			}
		})
	}
}

func TestInputRoundTrip(t *testing.T) {
	want := fullInput()
	var got Input
	Handle(func(in Input) Output { got = in; return Accept() }, doc(want))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("handler saw\n%+v\nwant\n%+v", got, want)
	}
	// Decoding with reused lists gives the same input and, once the lists
	// have grown, allocates nothing: the strings alias the document.
	d := doc(want)
	var l lists
	for range 2 {
		got = Input{}
		if err := decodeInput(d, &got, &l); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decoded with lists\n%+v\nwant\n%+v", got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = decodeInput(d, &got, &l) }); n != 0 {
		t.Errorf("decodeInput with lists: %v allocations per call, want 0", n)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { _ = AppendOutput(buf[:0], Accept()) }); n != 0 {
		t.Errorf("AppendOutput(Accept()): %v allocations per call, want 0", n)
	}
}

// The SDK mirrors sdk/chain's names without importing it.
func TestNamesMatchChain(t *testing.T) {
	pairs := [][2]string{{TypeRegister, chain.TypeRegister}, {TypeAmend, chain.TypeAmend}, {TypeRevoke, chain.TypeRevoke}, {TypeConfig, chain.TypeConfig}}
	for _, p := range pairs {
		if p[0] != p[1] {
			t.Errorf("%q != %q", p[0], p[1])
		}
	}
	if Ed25519PublicKeySize != ed25519.PublicKeySize || Ed25519SignatureSize != ed25519.SignatureSize {
		t.Error("Ed25519 sizes differ")
	}
}

func TestEd25519Verify(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	sig := ed25519.Sign(key, []byte("msg"))
	tests := []struct {
		name          string
		pub, msg, sig []byte
		want          bool
	}{
		{"valid", pub, []byte("msg"), sig, true},
		{"other message", pub, []byte("msh"), sig, false},
		{"empty message", pub, nil, ed25519.Sign(key, nil), true},
		{"short key", pub[:31], []byte("msg"), sig, false},
		{"short sig", pub, []byte("msg"), sig[:63], false},
	}
	for _, tt := range tests {
		if got := Ed25519Verify(tt.pub, tt.msg, tt.sig); got != tt.want {
			t.Errorf("%s: got %v", tt.name, got)
		}
	}
}

func TestAppendOutput(t *testing.T) {
	tests := []struct {
		o    Output
		want string
	}{
		{Accept(), `{"verdict":"accept","score_ppm":0}`},
		{Reject("missing_field", "organisation is empty"), `{"verdict":"reject","code":"missing_field","reason":"organisation is empty","score_ppm":0}`},
		{Score(873_000), `{"verdict":"accept","score_ppm":873000}`},
		{Reject("q", "say \"hi\"\\\n\x01é\xff"), `{"verdict":"reject","code":"q","reason":"say \"hi\"\\\u000a\u0001é` + "\ufffd" + `","score_ppm":0}`},
	}
	for _, tt := range tests {
		if got := string(AppendOutput(nil, tt.o)); got != tt.want {
			t.Errorf("AppendOutput(%+v) = %s, want %s", tt.o, got, tt.want)
		}
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
	f.Add(doc(Input{}))
	f.Add(doc(fullInput()))
	f.Add([]byte{TagABI, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, TagRole, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte(`{"abi":1}`))
	h := func(in Input) Output {
		if in.Statement.Claim.Role == "" {
			return Reject("empty", "no role")
		}
		_ = in.Statement.Claim.Skills[0] // panics without skills
		return Accept()
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		o := decode(t, Handle(h, input))
		if o.Verdict != VerdictAccept && o.Verdict != VerdictReject {
			t.Fatalf("verdict %q", o.Verdict)
		}
	})
}

// FuzzDecodeInput: a document that decodes encodes to one that decodes to
// the same input.
func FuzzDecodeInput(f *testing.F) {
	f.Add(doc(fullInput()))
	f.Add(doc(Input{}))
	v := fullInput()
	v.Kind = KindValidator
	f.Add(doc(v))
	f.Fuzz(func(t *testing.T, d []byte) {
		var a, b, slow Input
		err := DecodeInput(d, &a)
		// The in-order fast path changes nothing: the same as decoding
		// every field with the general loop, with or without reused lists.
		var l lists
		errL := decodeInput(d, &b, &l)
		errSlow := DecodeInput(d[:min(len(d), 13)], &slow)
		if errSlow == nil {
			errSlow = decodeFields(d, 13, &slow)
		}
		if (err == nil) != (errSlow == nil) || (err == nil) != (errL == nil) {
			t.Fatalf("errors differ: %v, with lists %v, general loop %v", err, errL, errSlow)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(a, slow) || !reflect.DeepEqual(a, b) {
			t.Fatalf("decoded\n%+v\nwith lists\n%+v\ngeneral loop\n%+v", a, b, slow)
		}
		b = Input{}
		if err := DecodeInput(AppendInput(nil, &a), &b); err != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("%+v re-decodes as %+v (%v)", a, b, err)
		}
	})
}

// FuzzAppendOutput: the output is JSON encoding/json reads back as the
// output, invalid UTF-8 replaced.
func FuzzAppendOutput(f *testing.F) {
	f.Add("reject", "code", "reason \"x\"\n", int64(5))
	f.Add("accept", "", "\xff\xfe", int64(-1))
	f.Fuzz(func(t *testing.T, verdict, code, reason string, score int64) {
		o := Output{Verdict: verdict, Code: code, Reason: reason, ScorePPM: score}
		got := decode(t, AppendOutput(nil, o))
		fix := func(s string) string { return string([]rune(s)) } // each invalid byte becomes U+FFFD
		if got.Verdict != fix(verdict) || got.Code != fix(code) || got.Reason != fix(reason) || got.ScorePPM != score {
			t.Fatalf("%+v reads back as %+v", o, got)
		}
		if !utf8.Valid(AppendOutput(nil, o)) {
			t.Fatal("output is not UTF-8")
		}
	})
}
