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

// short is the word of s (len(s) < 8) with the bytes after it set to pad's.
func short(s string, pad uint64) uint64 {
	var b [8]byte
	*(*uint64)(unsafe.Pointer(&b)) = pad
	copy(b[:], s)
	return *(*uint64)(unsafe.Pointer(&b))
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

func isPrintable(x uint64) bool { return x&high|(inRange(x, 0x20, 0x7e)^high) == 0 }

// Printable reports whether every byte of s is printable ASCII (0x20..0x7e).
func Printable(s string) bool {
	// Each word at 0, 8, 16, ... and a last one ending at len(s), which
	// may overlap the one before; a string shorter than a word is padded.
	// No loop up to 16 bytes, and no function calls: isPrintable is inlined.
	switch {
	case len(s) < 8:
		return isPrintable(short(s, 'A'*ones))
	case len(s) <= 16:
		return isPrintable(load64(s, 0)) && isPrintable(load64(s, len(s)-8))
	}
	last := len(s) - 8
	i := 0
	for ; i+8 < last; i += 16 { // two words per iteration: half the loop headers
		if !isPrintable(load64(s, i)) || !isPrintable(load64(s, i+8)) {
			return false
		}
	}
	if i < last && !isPrintable(load64(s, i)) {
		return false
	}
	return isPrintable(load64(s, last))
}

func isLowerHex(x uint64) bool {
	return x&high|((inRange(x, '0', '9')|inRange(x, 'a', 'f'))^high) == 0
}

// LowerHex reports whether s is n lower-case hex digits.
func LowerHex(s string, n int) bool { return len(s) == n && lowerHexWords(s) }

func lowerHexWords(s string) bool {
	// Each word at 0, 8, 16, ... and a last one ending at len(s), which
	// may overlap the one before; a string shorter than a word is padded.
	// No loop up to 16 bytes, and no function calls: isLowerHex is inlined.
	switch {
	case len(s) < 8:
		return isLowerHex(short(s, '0'*ones))
	case len(s) <= 16:
		return isLowerHex(load64(s, 0)) && isLowerHex(load64(s, len(s)-8))
	}
	last := len(s) - 8
	i := 0
	for ; i+8 < last; i += 16 {
		if !isLowerHex(load64(s, i)) || !isLowerHex(load64(s, i+8)) {
			return false
		}
	}
	if i < last && !isLowerHex(load64(s, i)) {
		return false
	}
	return isLowerHex(load64(s, last))
}

func noLetter(x uint64) bool {
	x &^= x & high >> 7 * 0xff // bytes >= 0x80 become 0
	return inRange(x|0x2020202020202020, 'a', 'z') == 0
}

// HasLetter reports whether s has an ASCII letter.
func HasLetter(s string) bool { return !noLetters(s) }

func noLetters(s string) bool {
	// Each word at 0, 8, 16, ... and a last one ending at len(s), which
	// may overlap the one before; a string shorter than a word is padded.
	// No loop up to 16 bytes, and no function calls: noLetter is inlined.
	switch {
	case len(s) < 8:
		return noLetter(short(s, 0))
	case len(s) <= 16:
		return noLetter(load64(s, 0)) && noLetter(load64(s, len(s)-8))
	}
	last := len(s) - 8
	for i := 0; i < last; i += 8 {
		if !noLetter(load64(s, i)) {
			return false
		}
	}
	return noLetter(load64(s, last))
}

func isSpaces(x uint64) bool { return x == ' '*ones }

// Spaces reports whether s is all ' ' (true for "").
func Spaces(s string) bool {
	// Each word at 0, 8, 16, ... and a last one ending at len(s), which
	// may overlap the one before; a string shorter than a word is padded.
	// No loop up to 16 bytes, and no function calls: isSpaces is inlined.
	switch {
	case len(s) < 8:
		return isSpaces(short(s, ' '*ones))
	case len(s) <= 16:
		return isSpaces(load64(s, 0)) && isSpaces(load64(s, len(s)-8))
	}
	last := len(s) - 8
	for i := 0; i < last; i += 8 {
		if !isSpaces(load64(s, i)) {
			return false
		}
	}
	return isSpaces(load64(s, last))
}

// Equal reports whether a == b. (Go's comparison of strings longer than
// six bytes compiles to a byte-at-a-time loop on Wasm.)
func Equal(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	switch {
	case len(a) < 8:
		return short(a, 0) == short(b, 0)
	case len(a) <= 16:
		return load64(a, 0) == load64(b, 0) && load64(a, len(a)-8) == load64(b, len(b)-8)
	}
	last := len(a) - 8
	i := 0
	for ; i+8 < last; i += 16 {
		if load64(a, i)^load64(b, i)|load64(a, i+8)^load64(b, i+8) != 0 {
			return false
		}
	}
	if i < last && load64(a, i) != load64(b, i) {
		return false
	}
	return load64(a, last) == load64(b, last)
}

// HasRunOf7 reports whether s has seven equal bytes in a row.
func HasRunOf7(s string) bool {
	switch {
	case len(s) < 7:
		return false
	case len(s) == 7:
		return load7same(short(s, 0))
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

// load7same reports whether bytes 0..6 of x are equal.
func load7same(x uint64) bool { return (x^x>>8)&0x0000ffffffffffff == 0 }

// DecodeHex decodes the hex digits (either case) of s into dst, which must
// have len(s)/2 bytes, and reports whether s was all hex of even length.
func DecodeHex(dst []byte, s string) bool {
	if len(s)%2 != 0 || len(dst) != len(s)/2 {
		return false
	}
	i := 0
	for ; i+16 <= len(s); i += 16 { // two words per iteration
		p0, bad0 := hexWord(load64(s, i))
		p1, bad1 := hexWord(load64(s, i+8))
		if bad0|bad1 != 0 {
			return false
		}
		put4(dst[i/2:], p0)
		put4(dst[i/2+4:], p1)
	}
	for ; i+8 <= len(s); i += 8 {
		p, bad := hexWord(load64(s, i))
		if bad != 0 {
			return false
		}
		put4(dst[i/2:], p)
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

// hexWord decodes the 8 hex digits in x: byte 2k of pairs is the value of
// digits 2k and 2k+1; bad is not 0 if x is not all hex digits.
func hexWord(x uint64) (pairs, bad uint64) {
	// inRange(x, '0', '9'), (x, 'a', 'f') and (x, 'A', 'F') with the
	// constants folded, so that this is inlined.
	const (
		digitLo, digitHi = (0x80 - '0') * ones, (0x7f - '9') * ones
		lowerLo, lowerHi = (0x80 - 'a') * ones, (0x7f - 'f') * ones
		upperLo, upperHi = (0x80 - 'A') * ones, (0x7f - 'F') * ones
	)
	letters := ((x + lowerLo) &^ (x + lowerHi) & high) | ((x + upperLo) &^ (x + upperHi) & high)
	bad = x&high | (((x+digitLo)&^(x+digitHi)&high | letters) ^ high)
	// A digit's value is its low nibble; a letter's is its low nibble + 9.
	nib := x&0x0f0f0f0f0f0f0f0f + (letters>>7)*9
	return (nib<<4 | nib>>8) & 0x00ff00ff00ff00ff, bad
}

// put4 stores bytes 0, 2, 4 and 6 of pairs in dst[:4].
func put4(dst []byte, pairs uint64) {
	_ = dst[3]
	dst[0] = byte(pairs)
	dst[1] = byte(pairs >> 16)
	dst[2] = byte(pairs >> 32)
	dst[3] = byte(pairs >> 48)
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
