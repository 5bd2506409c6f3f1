package pbft

import (
	"crypto/sha256"
	"fmt"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

// Signer signs consensus messages with a replica's private key. It is called
// from the core only, so it need not be safe for concurrent use.
type Signer interface {
	Sign(msg []byte) []byte
}

// Verifier checks a signature against a member's public key. It must be
// deterministic and is called from the core only.
type Verifier interface {
	Verify(pub, msg, sig []byte) bool
}

// The certificate scheme is ML-DSA-65 (FIPS 204), deterministic signing,
// with the context string below. RATIONALE.md records why.
var mldsaContext = []byte("careerchain/pbft")

// MLDSASigner signs with an ML-DSA-65 private key.
type MLDSASigner struct{ key *mldsa65.PrivateKey }

// NewMLDSASigner derives an ML-DSA-65 key pair from a 32-byte seed and
// returns the signer and the packed public key.
func NewMLDSASigner(seed [32]byte) (*MLDSASigner, []byte) {
	pub, priv := mldsa65.NewKeyFromSeed(&seed)
	return &MLDSASigner{key: priv}, pub.Bytes()
}

// Sign returns a deterministic ML-DSA-65 signature.
func (s *MLDSASigner) Sign(msg []byte) []byte {
	sig := make([]byte, mldsa65.SignatureSize)
	if err := mldsa65.SignTo(s.key, msg, mldsaContext, false, sig); err != nil {
		// Only a context longer than 255 bytes fails, and ours is fixed.
		panic(fmt.Sprintf("pbft: ML-DSA signing failed: %v", err))
	}
	return sig
}

// MLDSAVerifier verifies ML-DSA-65 signatures. It caches unpacked public
// keys by their hash; the zero value is ready to use.
type MLDSAVerifier struct {
	keys map[Hash]*mldsa65.PublicKey
}

// Verify reports whether sig is a valid signature of msg by pub.
func (v *MLDSAVerifier) Verify(pub, msg, sig []byte) bool {
	if len(sig) != mldsa65.SignatureSize || len(pub) != mldsa65.PublicKeySize {
		return false
	}
	if v.keys == nil {
		v.keys = make(map[Hash]*mldsa65.PublicKey)
	}
	h := sha256.Sum256(pub)
	pk, ok := v.keys[h]
	if !ok {
		pk = new(mldsa65.PublicKey)
		if err := pk.UnmarshalBinary(pub); err != nil {
			return false
		}
		if len(v.keys) > 4096 {
			clear(v.keys)
		}
		v.keys[h] = pk
	}
	return mldsa65.Verify(pk, msg, mldsaContext, sig)
}
