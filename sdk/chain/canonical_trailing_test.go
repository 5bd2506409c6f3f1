package chain

import "testing"

func TestCanonicalJSONTrailingBracket(t *testing.T) {
	for _, in := range []string{`{"a":1} ]`, `{"a":1} }`, `{"a":1} 2`, `[1]]`} {
		if _, err := canonicalJSON([]byte(in)); err == nil {
			t.Errorf("%q: trailing data accepted", in)
		}
	}
	if out, err := canonicalJSON([]byte(` {"b":2,"a":1} `)); err != nil || string(out) != `{"a":1,"b":2}` {
		t.Fatalf("a plain value: %s %v", out, err)
	}
}
