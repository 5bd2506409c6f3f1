package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"sync"
)

// VerifyEd25519 reports whether sig is a valid Ed25519 signature of msg by
// pub, exactly as crypto/ed25519.Verify does (a key or signature of the
// wrong size is false). It remembers the valid triples it has seen, keyed
// by a SHA-256 of key, signature and message, in a bounded process-wide
// cache, so that a signature checked twice costs one verification: a
// replica checks a payment receipt's signature in CheckStateless and then
// again in the payment plugin, whose host function calls this. Only valid
// signatures are remembered, and verification is deterministic, so the
// cache never changes an answer.
func VerifyEd25519(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return false
	}
	var buf [512]byte
	key := sha256.Sum256(append(append(append(buf[:0], pub...), sig...), msg...))
	if sigs.has(key) {
		return true
	}
	if !ed25519.Verify(pub, msg, sig) {
		return false
	}
	sigs.add(key)
	return true
}

// sigCacheSize bounds the remembered signatures (about 100 bytes each).
const sigCacheSize = 1 << 15

var sigs = sigCache{cur: make(map[[sha256.Size]byte]struct{})}

// sigCache holds up to sigCacheSize keys in two generations: when the
// current one has sigCacheSize/2 keys it becomes the previous one and the
// old previous one is dropped.
type sigCache struct {
	mu        sync.Mutex
	cur, prev map[[sha256.Size]byte]struct{}
}

func (c *sigCache) has(k [sha256.Size]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return true
	}
	_, ok := c.prev[k]
	return ok
}

func (c *sigCache) add(k [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= sigCacheSize/2 {
		c.prev, c.cur = c.cur, make(map[[sha256.Size]byte]struct{}, sigCacheSize/2)
	}
	c.cur[k] = struct{}{}
}

// len is the number of remembered signatures, for tests.
func (c *sigCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
