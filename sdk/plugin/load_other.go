//go:build !wasm

package plugin

// fieldLen is the length of the field whose header starts h (len(h) >=
// fieldHeader).
func fieldLen(h string) int { return int(uint32At(h, 1)) }

// load64 is the little-endian uint64 of the first 8 bytes of s (len(s) >= 8).
func load64(s string) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
