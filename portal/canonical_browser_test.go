package portal

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// canonicalExtra are inputs beyond the vectors; the browser must treat each
// as chain.Canonical(json.RawMessage(input)) does (output or refusal).
var canonicalExtra = []struct {
	Name  string `json:"name"`
	Input string `json:"input"`
}{
	{"lone surrogate becomes U+FFFD", `"\ud800x\udc00"`},
	{"surrogate pair", `"\ud83d\ude00"`},
	{"repeated key: the last wins", `{"a":1,"b":0,"a":2}`},
	{"keys equal once surrogates are replaced", `{"\ud800":1,"\ufffd":2}`},
	{"negative beyond 2^53-1", `-9007199254740992`},
	{"upper-case exponent", `1E2`},
	{"negative zero fraction", `-0.0`},
	{"leading zero", `01`},
	{"plus sign", `+1`},
	{"two values", `1 2`},
	{"trailing bracket", `{"a":1} ]`},
	{"trailing comma", `[1,]`},
	{"empty input", ``},
	{"only whitespace", " \n"},
	{"invalid escape", `"\x"`},
	{"raw control character", "[\"\x01\"]"},
	{"single quotes", `'a'`},
	{"truncated literal", `tru`},
	{"byte order mark", "\ufeff1"},
	{"unquoted key", `{a:1}`},
	{"nested", ` [ { "z" : [ { "b" : 1 , "a" : -0 } ] , "y" : "\/\u0000" } ] `},
}

// TestCanonicalJSInBrowser runs web/static/canonical.js in headless
// Chromium against every vector of sdk/chain/testdata/vectors.json that
// concerns canonical bytes: each canonical input gives its output or is
// refused where the vector says so, each signed object gives its signing
// bytes, digest and a signature that verifies (by its type's function and
// by tag + "\n" + canonical(object)), and each transaction's encoding is
// canonical, rebuilt from its fields, and hashes to its TxID. Extra inputs
// are compared with chain.Canonical.
func TestCanonicalJSInBrowser(t *testing.T) {
	extra, err := json.Marshal(canonicalExtra)
	if err != nil {
		t.Fatal(err)
	}
	vectorsPath := filepath.Join("..", "sdk", "chain", "testdata", "vectors.json")
	text := runJSInBrowser(t, "canonical_test.js", "canonical.js",
		map[string]string{"/vectors.json": vectorsPath},
		map[string][]byte{"/extra.json": extra})
	type result struct {
		Name, Output, Error string
	}
	var out struct {
		Canonical, Extra []result
		Signatures       []struct {
			Name, Digest, Generic, Error string
			SigningBytes                 string `json:"signing_bytes"`
			Verified                     any
		}
		Links        map[string]bool
		Transactions []struct{ Name, Canonical, Typed, TxID, Error string }
		Errors       []string
	}
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatalf("results: %v\n%s", err, text)
	}
	if len(out.Errors) > 0 {
		t.Fatalf("the script failed: %v", out.Errors)
	}
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Canonical []struct {
			Name, Input, Output string
			Error               bool
		}
		Signatures []struct {
			Name, Tag, Digest string
			SigningBytes      string `json:"signing_bytes"`
		}
		Transactions []struct{ Name, Encoding, TxID string }
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.Canonical) == 0 || len(vectors.Signatures) == 0 || len(vectors.Transactions) == 0 {
		t.Fatal("vectors.json has no canonical, signature or transaction vectors")
	}
	if len(out.Canonical) != len(vectors.Canonical) || len(out.Signatures) != len(vectors.Signatures) ||
		len(out.Transactions) != len(vectors.Transactions) || len(out.Extra) != len(canonicalExtra) {
		t.Fatalf("ran %d canonical, %d signature, %d transaction and %d extra vectors of %d, %d, %d and %d",
			len(out.Canonical), len(out.Signatures), len(out.Transactions), len(out.Extra),
			len(vectors.Canonical), len(vectors.Signatures), len(vectors.Transactions), len(canonicalExtra))
	}
	for i, v := range vectors.Canonical {
		got := out.Canonical[i]
		switch {
		case v.Error && got.Error != "canonical":
			t.Errorf("canonical %q: JS gives %q (error %q), want a CanonicalError", v.Name, got.Output, got.Error)
		case !v.Error && (got.Error != "" || got.Output != v.Output):
			t.Errorf("canonical %q: JS gives %q (error %q), want %q", v.Name, got.Output, got.Error, v.Output)
		}
	}
	for i, v := range canonicalExtra {
		got := out.Extra[i]
		want, err := chain.Canonical(json.RawMessage(v.Input))
		switch {
		case err != nil && !errors.Is(err, chain.ErrCanonical):
			t.Fatalf("extra %q: Go: %v", v.Name, err)
		case err != nil && got.Error != "canonical":
			t.Errorf("extra %q: JS gives %q (error %q), Go refuses it: %v", v.Name, got.Output, got.Error, err)
		case err == nil && (got.Error != "" || got.Output != string(want)):
			t.Errorf("extra %q: JS gives %q (error %q), Go %q", v.Name, got.Output, got.Error, want)
		}
	}
	for i, v := range vectors.Signatures {
		got := out.Signatures[i]
		if got.Name != v.Name || got.Error != "" {
			t.Errorf("signature %q: JS %q failed: %s", v.Name, got.Name, got.Error)
			continue
		}
		if got.SigningBytes != v.SigningBytes {
			t.Errorf("signature %q: JS signing bytes\n%s\nwant\n%s", v.Name, got.SigningBytes, v.SigningBytes)
		}
		if got.Generic != v.SigningBytes {
			t.Errorf("signature %q: JS tag + canonical(object)\n%s\nwant\n%s", v.Name, got.Generic, v.SigningBytes)
		}
		if got.Digest != v.Digest {
			t.Errorf("signature %q: JS digest %s, want %s", v.Name, got.Digest, v.Digest)
		}
		if got.Verified != true {
			t.Errorf("signature %q: the vector's signature does not verify over the JS bytes: %v", v.Name, got.Verified)
		}
	}
	for _, k := range []string{"receipt_claim", "attestation_statement", "attestation_receipt"} {
		if !out.Links[k] {
			t.Errorf("%s: the JS digests do not link the statement, receipt and attestation vectors", k)
		}
	}
	for i, v := range vectors.Transactions {
		got := out.Transactions[i]
		if got.Error != "" {
			t.Errorf("transaction %q: %s", v.Name, got.Error)
			continue
		}
		if got.Canonical != v.Encoding {
			t.Errorf("transaction %q: JS canonicalize(encoding)\n%s\nwant\n%s", v.Name, got.Canonical, v.Encoding)
		}
		if got.Typed != v.Encoding {
			t.Errorf("transaction %q: JS canonical(txBody(encoding))\n%s\nwant\n%s", v.Name, got.Typed, v.Encoding)
		}
		if got.TxID != v.TxID {
			t.Errorf("transaction %q: JS TxID %s, want %s", v.Name, got.TxID, v.TxID)
		}
	}
}
