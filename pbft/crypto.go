package pbft

import (
	"crypto"
	"crypto/ed25519"
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
	b := pub.Bytes()
	cleanUpper()
	return &MLDSASigner{key: priv}, b
}

// Sign returns a deterministic ML-DSA-65 signature.
func (s *MLDSASigner) Sign(msg []byte) []byte {
	sig := make([]byte, mldsa65.SignatureSize)
	err := mldsa65.SignTo(s.key, msg, mldsaContext, false, sig)
	cleanUpper()
	if err != nil {
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
		err := pk.UnmarshalBinary(pub)
		cleanUpper()
		if err != nil {
			return false
		}
		if len(v.keys) > 4096 {
			clear(v.keys)
		}
		v.keys[h] = pk
	}
	ok = mldsa65.Verify(pk, msg, mldsaContext, sig)
	cleanUpper()
	return ok
}

// voteContext separates vote signatures (Ed25519ctx, RFC 8032) from every
// other use of a replica's transport key, the pure Ed25519 of its TLS
// handshakes included.
const voteContext = "careerchain/pbft-vote/v1"

// Ed25519VoteSigner signs the messages that only serve while the protocol
// runs (see Config.VoteSigner) with a replica's Ed25519 transport key,
// as Ed25519ctx with a context of their own.
type Ed25519VoteSigner struct{ key ed25519.PrivateKey }

// NewEd25519VoteSigner returns a vote signer for key.
func NewEd25519VoteSigner(key ed25519.PrivateKey) *Ed25519VoteSigner {
	return &Ed25519VoteSigner{key: key}
}

// Sign returns the Ed25519ctx signature of msg.
func (s *Ed25519VoteSigner) Sign(msg []byte) []byte {
	sig, err := s.key.Sign(nil, msg, &ed25519.Options{Hash: crypto.Hash(0), Context: voteContext})
	if err != nil {
		panic(fmt.Sprintf("pbft: Ed25519 signing failed: %v", err))
	}
	return sig
}

// Ed25519VoteVerifier verifies the signatures of Ed25519VoteSigner.
type Ed25519VoteVerifier struct{}

// Verify reports whether sig is pub's Ed25519ctx signature of msg.
func (Ed25519VoteVerifier) Verify(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.VerifyWithOptions(pub, msg, sig, &ed25519.Options{Context: voteContext}) == nil
}
