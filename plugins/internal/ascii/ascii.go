// Package ascii has the byte-class checks, hex decoding and comparisons the
// plugins run on every call, eight bytes at a time.
//
// Inside a module every loop iteration costs far more than natively: Go's
// Wasm code jumps back to a loop header for each iteration, and wazero's
// close-on-context-done (which the host needs to stop a plugin that loops
// forever) calls a check at every loop header. Classifying a word of eight
// bytes per iteration instead of one byte cuts those checks eightfold on
// the long fields (descriptions, hex digests and signatures).
package ascii

import "unsafe"

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// load64 reads the 8 bytes of s at i (i+8 <= len(s)) as a little-endian
// word. Wasm and the native targets the plugins are tested on allow
// unaligned loads.
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return *(*uint64)(unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i))
}

// inRange has the high bit of each byte of x set where that byte lies in
// lo..hi; x must have no byte >= 0x80.
func inRange(x uint64, lo, hi byte) uint64 {
	geLo := x + (0x80-uint64(lo))*ones
	gtHi := x + (0x7f-uint64(hi))*ones
	return geLo &^ gtHi & high
}

// Word is the little-endian word of the 8 bytes of s at i (i+8 <= len(s)).
func Word(s string, i int) uint64 { return load64(s, i) }

// Printable reports whether every byte of s is printable ASCII (0x20..0x7e).
func Printable(s string) bool {
	if len(s) >= 8 {
		// Whole words, the last one overlapping the one before: no loop
		// over single bytes, and one branch per word.
		last := len(s) - 8
		for i := 0; i < last; i += 8 {
			x := load64(s, i)
			if x&high|(inRange(x, 0x20, 0x7e)^high) != 0 { // one branch
				return false
			}
		}
		i := last
		x := load64(s, i)
		if x&high|(inRange(x, 0x20, 0x7e)^high) != 0 { // one branch
			return false
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// LowerHex reports whether s is n lower-case hex digits.
func LowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	if len(s) >= 8 {
		// Whole words, the last one overlapping the one before: no loop
		// over single bytes, and one branch per word.
		last := len(s) - 8
		for i := 0; i < last; i += 8 {
			x := load64(s, i)
			if x&high|((inRange(x, '0', '9')|inRange(x, 'a', 'f'))^high) != 0 {
				return false
			}
		}
		i := last
		x := load64(s, i)
		return x&high|((inRange(x, '0', '9')|inRange(x, 'a', 'f'))^high) == 0
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// HasLetter reports whether s has an ASCII letter.
func HasLetter(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i) &^ (load64(s, i) & high >> 7 * 0xff) // bytes >= 0x80 become 0
		if inRange(x|0x2020202020202020, 'a', 'z') != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// DecodeHex decodes the hex digits (either case) of s into dst, which must
// have len(s)/2 bytes, and reports whether s was all hex of even length.
func DecodeHex(dst []byte, s string) bool {
	if len(s)%2 != 0 || len(dst) != len(s)/2 {
		return false
	}
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := load64(s, i)
		letters := inRange(x, 'a', 'f') | inRange(x, 'A', 'F')
		if x&high|((inRange(x, '0', '9')|letters)^high) != 0 {
			return false
		}
		// A digit's value is its low nibble; a letter's is its low nibble + 9.
		nib := x&0x0f0f0f0f0f0f0f0f + (letters>>7)*9
		// Byte 2k of pairs is nibble 2k (high) and nibble 2k+1 (low).
		pairs := (nib<<4 | nib>>8) & 0x00ff00ff00ff00ff
		o := i / 2
		_ = dst[o+3]
		dst[o] = byte(pairs)
		dst[o+1] = byte(pairs >> 16)
		dst[o+2] = byte(pairs >> 32)
		dst[o+3] = byte(pairs >> 48)
	}
	for ; i < len(s); i += 2 {
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i/2] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Equal reports whether a == b. (Go's string comparison compiles to a
// byte-at-a-time loop on Wasm.)
func Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) >= 8 {
		// Whole words, the last one overlapping the one before: no loop
		// over single bytes, and one branch per word.
		last := len(a) - 8
		for i := 0; i < last; i += 8 {
			if load64(a, i) != load64(b, i) {
				return false
			}
		}
		i := last
		return load64(a, i) == load64(b, i)
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Spaces reports whether s is all ' ' (true for "").
func Spaces(s string) bool {
	if len(s) >= 8 {
		// Whole words, the last one overlapping the one before: no loop
		// over single bytes, and one branch per word.
		last := len(s) - 8
		for i := 0; i < last; i += 8 {
			if load64(s, i) != 0x2020202020202020 {
				return false
			}
		}
		i := last
		return load64(s, i) == 0x2020202020202020
	}
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			return false
		}
	}
	return true
}

// HasRunOf7 reports whether s has seven equal bytes in a row.
func HasRunOf7(s string) bool {
	if len(s) < 8 {
		for i := 0; i+7 <= len(s); i++ {
			if same7(s[i:i+7], s[i]) {
				return true
			}
		}
		return false
	}
	// A run of seven starting at p lies within the word at p or at p-1,
	// so words at every other byte see every run.
	last := len(s) - 8
	for i := 0; i < last; i += 2 {
		if run7(load64(s, i)) {
			return true
		}
	}
	return run7(load64(s, last))
}

// run7 reports whether bytes 0..6 or 1..7 of x are all equal: in
// d = x ^ x>>8, byte k is zero where bytes k and k+1 are equal (k = 0..6).
func run7(x uint64) bool {
	d := x ^ x>>8
	return d&0x0000ffffffffffff == 0 || d&0x00ffffffffffff00 == 0
}

// same7 reports whether the 7 bytes of s all equal c.
func same7(s string, c byte) bool {
	return s[0] == c && s[1] == c && s[2] == c && s[3] == c && s[4] == c && s[5] == c && s[6] == c
}
