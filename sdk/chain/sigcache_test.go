package chain

import (
	"crypto/ed25519"
	"testing"
)

func TestVerifyEd25519(t *testing.T) {
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	msg := []byte("careerchain/receipt/v1\n{}")
	sig := ed25519.Sign(key, msg)
	for range 2 { // the second time from the cache
		if !VerifyEd25519(pub, msg, sig) {
			t.Fatal("valid signature refused")
		}
	}
	// The cache is keyed by key, signature and message: a change to any
	// of them is verified afresh and fails.
	other := append([]byte(nil), msg...)
	other[0] ^= 1
	bad := append([]byte(nil), sig...)
	bad[5] ^= 1
	pub2 := ed25519.NewKeyFromSeed(append(make([]byte, ed25519.SeedSize-1), 1)).Public().(ed25519.PublicKey)
	for _, c := range []struct {
		name          string
		pub, msg, sig []byte
	}{{"message", pub, other, sig}, {"signature", pub, msg, bad}, {"key", pub2, msg, sig},
		{"short key", pub[:31], msg, sig}, {"short signature", pub, msg, sig[:63]}, {"long message", pub, append(msg, make([]byte, 1000)...), sig}} {
		for range 2 {
			if VerifyEd25519(c.pub, c.msg, c.sig) {
				t.Errorf("%s: changed triple verifies", c.name)
			}
		}
	}
	long := make([]byte, 2000)
	for range 2 {
		if !VerifyEd25519(pub, long, ed25519.Sign(key, long)) {
			t.Error("valid signature of a long message refused")
		}
	}
}

func TestSigCacheBounded(t *testing.T) {
	var c sigCache
	c.cur = make(map[[32]byte]struct{})
	for i := range 3 * sigCacheSize {
		c.add([32]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		if n := c.len(); n > sigCacheSize {
			t.Fatalf("%d keys after %d adds", n, i+1)
		}
	}
	last := 3*sigCacheSize - 1
	if !c.has([32]byte{byte(last), byte(last >> 8), byte(last >> 16)}) {
		t.Error("latest key forgotten")
	}
	if c.has([32]byte{}) {
		t.Error("oldest key kept")
	}
}
