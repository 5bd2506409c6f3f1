package verify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/verify"
)

func TestDecodeBundle(t *testing.T) {
	n := newNet(testChainID, 1, 2, 3, 4)
	rec := n.career(careerOpts{})
	n.commit(nil, rec)
	good := must(json.Marshal(n.bundle(rec)))
	b, err := verify.DecodeBundle(good)
	if err != nil {
		t.Fatal(err)
	}
	if again := must(json.Marshal(b)); !bytes.Equal(again, good) {
		t.Fatalf("re-encoding differs:\n%s\n%s", again, good)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not an object", []byte(`[1]`)},
		{"no version", bytes.Replace(good, []byte(`"version":1,`), nil, 1)},
		{"version 2", bytes.Replace(good, []byte(`"version":1`), []byte(`"version":2`), 1)},
		{"unknown field", bytes.Replace(good, []byte(`"version":1`), []byte(`"version":1,"trusted":true`), 1)},
		{"trailing data", append(bytes.Clone(good), []byte(` {}`)...)},
		{"tx not base64", bytes.Replace(good, []byte(`"tx":"`), []byte(`"tx":"!`), 1)},
		{"too large", append(bytes.Clone(good), bytes.Repeat([]byte(" "), verify.MaxBundleBytes)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := verify.DecodeBundle(tt.in); !errors.Is(err, verify.ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			rep := verify.VerifyJSON(tt.in, n.trust())
			if s, failed := rep.Failed(); !failed || s.Name != verify.StepFormat || !strings.HasPrefix(s.Text, "The proof bundle cannot be read") {
				t.Fatalf("VerifyJSON: %s", rep)
			}
		})
	}
	if rep := verify.VerifyJSON(good, n.trust()); !rep.OK() {
		t.Fatalf("VerifyJSON of a good bundle:\n%s", rep)
	}
}
