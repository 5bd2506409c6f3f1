package vc

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/mr-tron/base58"
)

// ErrDID reports a did:key or verification method this package cannot use.
var ErrDID = errors.New("vc: not an Ed25519 did:key")

// multicodec ed25519-pub (0xed) as an unsigned varint.
var ed25519Pub = []byte{0xed, 0x01}

// Multibase returns the key as multibase base58btc of the multicodec
// ed25519-pub key: "z6Mk…".
func Multibase(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append(append([]byte{}, ed25519Pub...), pub...))
}

// DIDKey returns the did:key of an Ed25519 public key.
func DIDKey(pub ed25519.PublicKey) string { return "did:key:" + Multibase(pub) }

// VerificationMethod returns the did:key verification method of pub:
// did:key:z6Mk…#z6Mk….
func VerificationMethod(pub ed25519.PublicKey) string { return DIDKey(pub) + "#" + Multibase(pub) }

// KeyFromDID returns the Ed25519 key of a did:key, with or without the
// #fragment of its verification method (which must then repeat the key).
func KeyFromDID(s string) (ed25519.PublicKey, error) {
	did, frag, hasFrag := strings.Cut(s, "#")
	mb, ok := strings.CutPrefix(did, "did:key:")
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a did:key (it must start with did:key)", ErrDID, clip(s))
	}
	if hasFrag && frag != mb {
		return nil, fmt.Errorf("%w: the fragment of %q is not its key", ErrDID, clip(s))
	}
	raw, ok := strings.CutPrefix(mb, "z")
	if !ok {
		return nil, fmt.Errorf("%w: %q is not multibase base58btc (z…)", ErrDID, clip(s))
	}
	b, err := base58.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrDID, clip(s), err)
	}
	if len(b) != 2+ed25519.PublicKeySize || b[0] != ed25519Pub[0] || b[1] != ed25519Pub[1] {
		return nil, fmt.Errorf("%w: %q is not a multicodec ed25519-pub key", ErrDID, clip(s))
	}
	return ed25519.PublicKey(b[2:]), nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
