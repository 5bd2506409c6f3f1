package plugin

// Sizes of Ed25519 keys and signatures.
const (
	Ed25519PublicKeySize = 32
	Ed25519SignatureSize = 64
)

// Ed25519Verify reports whether sig is a valid Ed25519 signature of msg by
// pub, exactly as crypto/ed25519.Verify does. In a module it calls the
// host's careerchain.ed25519_verify import, which runs natively (some fifty
// times faster than Ed25519 compiled to Wasm); elsewhere it calls
// crypto/ed25519 directly. A key or signature of the wrong size is false.
func Ed25519Verify(pub, msg, sig []byte) bool {
	if len(pub) != Ed25519PublicKeySize || len(sig) != Ed25519SignatureSize {
		return false
	}
	return ed25519Verify(pub, msg, sig)
}
