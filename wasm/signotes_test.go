package wasm

import (
	"crypto/ed25519"
	"testing"
)

func TestSigNotes(t *testing.T) {
	var verified SigNotes
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	msg := []byte("careerchain/receipt/v1\n{}")
	sig := ed25519.Sign(key, msg)
	// Noted by a verification, used up by one Verify, then verified
	// afresh: valid every time.
	if !verified.VerifyAndNote(pub, msg, sig) {
		t.Fatal("valid signature refused")
	}
	k := sigKey(pub, msg, sig)
	before := verified.Len()
	if !verified.Verify(pub, msg, sig) || verified.Len() != before-1 {
		t.Fatalf("the note was not used: %d keys, had %d", verified.Len(), before)
	}
	if verified.take(k) {
		t.Fatal("a note was used twice")
	}
	if !verified.Verify(pub, msg, sig) {
		t.Fatal("valid signature refused without a note")
	}
	// A note is for exactly one triple: a change to the key, the
	// signature or the message is verified, and fails.
	verified.VerifyAndNote(pub, msg, sig)
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
		if verified.Verify(c.pub, c.msg, c.sig) {
			t.Errorf("%s: changed triple verifies", c.name)
		}
	}
	// An invalid signature is never noted.
	if verified.VerifyAndNote(pub, msg, bad) || verified.take(sigKey(pub, msg, bad)) {
		t.Error("invalid signature noted")
	}
	long := make([]byte, 2000)
	sigLong := ed25519.Sign(key, long)
	if !verified.VerifyAndNote(pub, long, sigLong) || !verified.Verify(pub, long, sigLong) {
		t.Error("valid signature of a long message refused")
	}
}

// Two verifications of one signature are two notes: two replicas in one
// process each use their own.
func TestNotesCount(t *testing.T) {
	var nt SigNotes
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
	var nt SigNotes
	for i := range 3 * sigNotes {
		nt.add([32]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		if n := nt.Len(); n > sigNotes {
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

// TestHostsShareNoNotes: each host has its own notes, so a replica's
// verification never stands in for another's (replicas share a process in
// careerd dev and the cluster tests).
func TestHostsShareNoNotes(t *testing.T) {
	h1, h2 := newTestHost(t, Options{}), newTestHost(t, Options{})
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	msg := []byte("careerchain/receipt/v1\n{}")
	sig := ed25519.Sign(key, msg)
	if !h1.SigNotes().VerifyAndNote(key.Public().(ed25519.PublicKey), msg, sig) {
		t.Fatal("valid signature refused")
	}
	if h1.SigNotes().Len() != 1 || h2.SigNotes().Len() != 0 {
		t.Fatalf("notes: %d and %d, want 1 and 0", h1.SigNotes().Len(), h2.SigNotes().Len())
	}
}
