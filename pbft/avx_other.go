//go:build !amd64 || purego

package pbft

// cleanUpper is needed only after AVX code on amd64 (see avx_amd64.go).
func cleanUpper() {}
