package chain

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSafeInteger is the largest integer an IEEE 754 double, and so a
// JavaScript number, holds exactly (2^53−1). Canonical rejects integers
// beyond ±MaxSafeInteger so that a browser reads every number exactly.
const MaxSafeInteger = 1<<53 - 1

// Canonical returns the RFC 8785 (JSON Canonicalization Scheme) form of v
// restricted to integers: v is marshalled with encoding/json, parsed again,
// and written with object keys sorted by their UTF-16 code units, no
// whitespace, and strings escaped as RFC 8785 prescribes (only '"', '\\' and
// control characters are escaped; everything else is literal UTF-8).
//
// Numbers must be integers written without fraction or exponent and within
// ±MaxSafeInteger; anything else is an error wrapping ErrCanonical. For this
// subset the output is exactly what RFC 8785 gives, so any conforming
// implementation (a browser's included) produces the same bytes.
//
// encoding/json replaces invalid UTF-8 in Go strings with U+FFFD before
// canonicalisation; invalid UTF-8 inside a json.RawMessage is an error.
func Canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonical, err)
	}
	return canonicalJSON(raw)
}

// canonicalJSON canonicalises one JSON text.
func canonicalJSON(raw []byte) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrCanonical)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonical, err)
	}
	// More would not see a stray closing bracket; only the end of the
	// input may follow the value.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after JSON value", ErrCanonical)
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := writeCanonical(&buf, tree); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case json.Number:
		n, err := canonicalInteger(string(v))
		if err != nil {
			return err
		}
		buf.WriteString(strconv.FormatInt(n, 10))
	case string:
		writeString(buf, v)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonical(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, k)
			buf.WriteByte(':')
			if err := writeCanonical(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		// encoding/json with UseNumber yields only the types above.
		panic(fmt.Sprintf("chain: unexpected JSON value of type %T", v))
	}
	return nil
}

// canonicalInteger parses a JSON number that must be a safe integer.
func canonicalInteger(s string) (int64, error) {
	if strings.ContainsAny(s, ".eE") {
		return 0, fmt.Errorf("%w: number %s is not an integer", ErrCanonical, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxSafeInteger || n < -MaxSafeInteger {
		return 0, fmt.Errorf("%w: integer %s is beyond ±(2^53-1)", ErrCanonical, s)
	}
	return n, nil
}

// sortedKeys returns the keys of m in RFC 8785 order: by UTF-16 code units.
// For keys without characters above U+FFFF this equals byte order of UTF-8.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	wide := false
	for k := range m {
		keys = append(keys, k)
		if !wide {
			for _, r := range k {
				if r > 0xFFFF {
					wide = true
					break
				}
			}
		}
	}
	if !wide {
		slices.Sort(keys)
		return keys
	}
	units := make(map[string][]uint16, len(keys))
	for _, k := range keys {
		units[k] = utf16.Encode([]rune(k))
	}
	slices.SortFunc(keys, func(a, b string) int { return slices.Compare(units[a], units[b]) })
	return keys
}

const hexDigits = "0123456789abcdef"

// writeString writes s as a JSON string the way RFC 8785 (and ECMAScript's
// JSON.stringify) does.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			buf.WriteString(`\"`)
		case c == '\\':
			buf.WriteString(`\\`)
		case c >= 0x20:
			buf.WriteByte(c)
		case c == '\b':
			buf.WriteString(`\b`)
		case c == '\t':
			buf.WriteString(`\t`)
		case c == '\n':
			buf.WriteString(`\n`)
		case c == '\f':
			buf.WriteString(`\f`)
		case c == '\r':
			buf.WriteString(`\r`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(hexDigits[c>>4])
			buf.WriteByte(hexDigits[c&0xF])
		}
	}
	buf.WriteByte('"')
}
