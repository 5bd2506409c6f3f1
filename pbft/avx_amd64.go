//go:build amd64 && !purego

package pbft

import "golang.org/x/sys/cpu"

// circl's ML-DSA runs AVX2 assembly that returns without VZEROUPPER, so
// the upper halves of the YMM registers stay dirty on that thread, and
// every later legacy-SSE instruction (Go's zeroing register, SHA-NI,
// AES-NI in the QUIC transport) pays a transition penalty: on the
// project's build machine a SHA-256 of 1 KB took 94 µs instead of 1.3 µs
// after an ML-DSA verification, and back-to-back verifications ran 3×
// slower (BenchmarkSHA256AfterMLDSA). cleanUpper, called after every
// call into circl, puts the registers back in the clean state Go's own
// assembly leaves them in.
var hasAVX = cpu.X86.HasAVX

//go:noescape
func vzeroupper()

func cleanUpper() {
	if hasAVX {
		vzeroupper()
	}
}
