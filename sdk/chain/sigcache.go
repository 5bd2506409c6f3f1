package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
)

// VerifyEd25519 reports whether sig is a valid Ed25519 signature of msg by
// pub, exactly as crypto/ed25519.Verify does (a key or signature of the
// wrong size is false). Every signature CheckStateless verifies is noted
// (keyed by a SHA-256 of key, signature and message, in a bounded
// process-wide table), and VerifyEd25519 uses up one such note for the same
// triple instead of verifying again: a replica verifies a payment receipt's
// signature in CheckStateless and then its payment plugin checks it again
// through the host function, which calls this. Each verification stands in
// for at most one later check, so replicas that share a process (careerd
// dev, the cluster tests and benchmarks) still each pay for their own
// CheckStateless, and a note only ever records a valid signature, so the
// answer never changes.
func VerifyEd25519(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	if verified.take(sigKey(pub, msg, sig)) {
		return true
	}
	return ed25519.Verify(pub, msg, sig)
}

// verifyAndNote is ed25519.Verify for CheckStateless: it always verifies,
// and notes a valid signature for one later VerifyEd25519.
func verifyAndNote(pub, msg, sig []byte) bool {
	if !ed25519.Verify(pub, msg, sig) {
		return false
	}
	verified.add(sigKey(pub, msg, sig))
	return true
}

func sigKey(pub, msg, sig []byte) [sha256.Size]byte {
	var buf [512]byte
	return sha256.Sum256(append(append(append(buf[:0], pub...), sig...), msg...))
}

// sigNotes bounds the notes (about 100 bytes each); older ones are
// forgotten, which only costs a verification.
const sigNotes = 1 << 15

var verified = noteTable{cur: make(map[[sha256.Size]byte]uint32)}

// noteTable counts notes per key, up to sigNotes keys in two generations:
// when the current one has sigNotes/2 keys it becomes the previous one and
// the old previous one is dropped.
type noteTable struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]uint32
}

func (t *noteTable) add(k [sha256.Size]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
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
func (t *noteTable) take(k [sha256.Size]byte) bool {
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

// len is the number of keys with notes, for tests.
func (t *noteTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.cur) + len(t.prev)
}
