package ascii

import (
	"encoding/hex"
	"strings"
	"testing"
)

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func lowerHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdef") == ""
}

func hasLetter(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x80 && (r|0x20) >= 'a' && (r|0x20) <= 'z' })
}

func check(t *testing.T, s string) {
	t.Helper()
	if got, want := Printable(s), printable(s); got != want {
		t.Errorf("Printable(%q) = %v", s, got)
	}
	if got, want := LowerHex(s, len(s)), lowerHex(s, len(s)); got != want {
		t.Errorf("LowerHex(%q) = %v", s, got)
	}
	if got, want := HasLetter(s), hasLetter(s); got != want {
		t.Errorf("HasLetter(%q) = %v", s, got)
	}
	for _, o := range []string{s, s + "x", "x" + s} {
		for _, b := range []string{o, o[:len(o)/2], o[len(o)/2:]} {
			if Equal(s, b) != (s == b) {
				t.Errorf("Equal(%q, %q) = %v", s, b, !(s == b))
			}
		}
	}
	if len(s) > 0 {
		c := []byte(s)
		c[len(c)-1] ^= 1
		if Equal(s, string(c)) {
			t.Errorf("Equal(%q, %q)", s, c)
		}
	}
	if got, want := Spaces(s), strings.Trim(s, " ") == ""; got != want {
		t.Errorf("Spaces(%q) = %v", s, got)
	}
	run := false
	for i := 0; i+7 <= len(s); i++ {
		run = run || strings.Count(s[i:i+7], s[i:i+1]) == 7
	}
	if got := HasRunOf7(s); got != run {
		t.Errorf("HasRunOf7(%q) = %v", s, got)
	}
	if len(s) >= 8 && Word(s, len(s)-8) != uint64(s[len(s)-8])|uint64(s[len(s)-1])<<56|uint64(s[len(s)-7])<<8|uint64(s[len(s)-6])<<16|uint64(s[len(s)-5])<<24|uint64(s[len(s)-4])<<32|uint64(s[len(s)-3])<<40|uint64(s[len(s)-2])<<48 {
		t.Errorf("Word(%q)", s)
	}
	want, err := hex.DecodeString(s)
	dst := make([]byte, len(s)/2)
	if ok := DecodeHex(dst, s); ok != (err == nil) || ok && string(dst) != string(want) {
		t.Errorf("DecodeHex(%q) = %v %x, encoding/hex %x %v", s, ok, dst, want, err)
	}
}

func TestClasses(t *testing.T) {
	for _, s := range []string{"", "a", "Software Engineer", "0123456789abcdefABCDEF0123456789", strings.Repeat("0f", 64),
		"Built and maintained the payments service.\n", "\x7f", "~ ", "한빛 Labs", "12345678[@`{/:GgZz", "\x00\x1f\x20",
		strings.Repeat("9", 17), "0123456789abcdeg", "aaaaaaa", "aaaaaa", "baaaaaaa", "aaaaaaab", "xaaaaaaay", "abababababab",
		"        ", "       ", " ", "abcdefghiiiiiii", "abcdefghiiiiiij", "abcdefghijklmnnnnnnn", "    x    ", "0123456789abcde\xe6", "@@@@@@@@", "[[[[[[[[````````{{{{{{{{"} {
		check(t, s)
	}
	// Every byte in every position of a word and of the tail.
	for c := range 256 {
		for pos := range 11 {
			b := []byte("0123456789a")
			b[pos] = byte(c)
			check(t, string(b))
		}
	}
}

func FuzzClasses(f *testing.F) {
	f.Add("0123456789abcdefABCDEF")
	f.Add("Acme Corp")
	f.Fuzz(check)
}
