package wasm

import (
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
)

// SigNotes lets a Host answer a plugin's check of an Ed25519 signature
// that its replica has just verified, without verifying it again: a
// replica verifies a payment receipt's signature in CheckStateless and
// then its payment plugin checks it again through the host function
// careerchain.ed25519_verify. The replica passes VerifyAndNote to
// chain.Tx.CheckStatelessWith; the host function calls Verify.
//
// Each verification stands in for at most one later check, and a note
// only ever records a valid signature, so the answer never changes. Notes
// are keyed by a SHA-256 of key, signature and message and bounded (older
// ones are forgotten, which only costs a verification). Each Host has its
// own (Host.SigNotes): replicas that share a process (careerd dev, the
// cluster tests) each pay for their own checks. Safe for concurrent use.
type SigNotes struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]uint32
}

// sigNotes bounds the notes (about 100 bytes each), in two generations:
// when the current one has sigNotes/2 keys it becomes the previous one and
// the old previous one is dropped.
const sigNotes = 1 << 15

// VerifyAndNote is crypto/ed25519.Verify (a chain.SigVerifier) that notes
// a valid signature for one later Verify.
func (t *SigNotes) VerifyAndNote(pub ed25519.PublicKey, msg, sig []byte) bool {
	if !ed25519.Verify(pub, msg, sig) {
		return false
	}
	t.add(sigKey(pub, msg, sig))
	return true
}

// Verify reports whether sig is a valid Ed25519 signature of msg by pub,
// exactly as crypto/ed25519.Verify does (a key or signature of the wrong
// size is false), using up a note of the same triple instead of verifying
// again if there is one.
func (t *SigNotes) Verify(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	if t.take(sigKey(pub, msg, sig)) {
		return true
	}
	return ed25519.Verify(pub, msg, sig)
}

func sigKey(pub, msg, sig []byte) [sha256.Size]byte {
	var buf [512]byte
	return sha256.Sum256(append(append(append(buf[:0], pub...), sig...), msg...))
}

func (t *SigNotes) add(k [sha256.Size]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == nil {
		t.cur = make(map[[sha256.Size]byte]uint32)
	}
	if n, ok := t.prev[k]; ok { // keep one key in one generation
		delete(t.prev, k)
		t.cur[k] += n
	}
	if len(t.cur) >= sigNotes/2 {
		t.prev, t.cur = t.cur, make(map[[sha256.Size]byte]uint32, sigNotes/2)
	}
	t.cur[k]++
}

// take uses up one note for k, if there is one.
func (t *SigNotes) take(k [sha256.Size]byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range [2]map[[sha256.Size]byte]uint32{t.cur, t.prev} {
		if n, ok := m[k]; ok {
			if n <= 1 {
				delete(m, k)
			} else {
				m[k] = n - 1
			}
			return true
		}
	}
	return false
}

// Len is the number of signatures noted and not used up (at most 2^15).
func (t *SigNotes) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.cur) + len(t.prev)
}
