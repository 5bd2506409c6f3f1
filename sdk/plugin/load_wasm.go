//go:build wasm

package plugin

import "unsafe"

// fieldLen is the length of the field whose header starts h (len(h) >=
// fieldHeader): one little-endian load, as Wasm allows unaligned loads.
func fieldLen(h string) int {
	return int(*(*uint32)(unsafe.Add(unsafe.Pointer(unsafe.StringData(h)), 1)))
}

// load64 is the little-endian uint64 of the first 8 bytes of s (len(s) >= 8).
func load64(s string) uint64 {
	return *(*uint64)(unsafe.Pointer(unsafe.StringData(s)))
}
