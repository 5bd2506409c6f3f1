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
	// Noted by a verification, used up by one VerifyEd25519, then verified
	// afresh: valid every time.
	if !verifyAndNote(pub, msg, sig) {
		t.Fatal("valid signature refused")
	}
	k := sigKey(pub, msg, sig)
	before := verified.len()
	if !VerifyEd25519(pub, msg, sig) || verified.len() != before-1 {
		t.Fatalf("the note was not used: %d keys, had %d", verified.len(), before)
	}
	if verified.take(k) {
		t.Fatal("a note was used twice")
	}
	if !VerifyEd25519(pub, msg, sig) {
		t.Fatal("valid signature refused without a note")
	}
	// A note is for exactly one triple: a change to the key, the
	// signature or the message is verified, and fails.
	verifyAndNote(pub, msg, sig)
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
		if VerifyEd25519(c.pub, c.msg, c.sig) {
			t.Errorf("%s: changed triple verifies", c.name)
		}
	}
	// An invalid signature is never noted.
	if verifyAndNote(pub, msg, bad) || verified.take(sigKey(pub, msg, bad)) {
		t.Error("invalid signature noted")
	}
	long := make([]byte, 2000)
	sigLong := ed25519.Sign(key, long)
	if !verifyAndNote(pub, long, sigLong) || !VerifyEd25519(pub, long, sigLong) {
		t.Error("valid signature of a long message refused")
	}
}

// Two verifications of one signature are two notes: two replicas in one
// process each use their own.
func TestNotesCount(t *testing.T) {
	var nt noteTable
	nt.cur = make(map[[32]byte]uint32)
	k := [32]byte{1}
	nt.add(k)
	nt.add(k)
	for i, want := range []bool{true, true, false} {
		if nt.take(k) != want {
			t.Fatalf("take %d: %v, want exactly two notes", i+1, !want)
		}
	}
}

func TestNotesBounded(t *testing.T) {
	var nt noteTable
	nt.cur = make(map[[32]byte]uint32)
	for i := range 3 * sigNotes {
		nt.add([32]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		if n := nt.len(); n > sigNotes {
			t.Fatalf("%d keys after %d adds", n, i+1)
		}
	}
	last := 3*sigNotes - 1
	if !nt.take([32]byte{byte(last), byte(last >> 8), byte(last >> 16)}) {
		t.Error("latest key forgotten")
	}
	if nt.take([32]byte{}) {
		t.Error("oldest key kept")
	}
}
