//go:build !wasm

package plugin

import "crypto/ed25519"

func ed25519Verify(pub, msg, sig []byte) bool { return ed25519.Verify(pub, msg, sig) }
