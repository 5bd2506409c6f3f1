//go:build wasm

package plugin

import "unsafe"

// hostEd25519Verify is the host function careerchain.ed25519_verify: 1 if
// the 64 bytes at sig sign the msgLen bytes at msg under the 32-byte key at
// pub, else 0.
//
//go:wasmimport careerchain ed25519_verify
//go:noescape
func hostEd25519Verify(pub, msg unsafe.Pointer, msgLen uint32, sig unsafe.Pointer) uint32

func ed25519Verify(pub, msg, sig []byte) bool {
	var empty byte
	m := unsafe.Pointer(&empty)
	if len(msg) > 0 {
		m = unsafe.Pointer(&msg[0])
	}
	return hostEd25519Verify(unsafe.Pointer(&pub[0]), m, uint32(len(msg)), unsafe.Pointer(&sig[0])) == 1
}
