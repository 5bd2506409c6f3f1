package testkit

import (
	"bytes"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// TestKeysDeterministicAndSeparated: a label gives the same key every
// time, another domain or label another key.
func TestKeysDeterministicAndSeparated(t *testing.T) {
	a, b := Keys{Domain: "one"}, Keys{Domain: "two"}
	if !bytes.Equal(a.Seed("x"), a.Seed("x")) {
		t.Fatal("a seed changed between calls")
	}
	if bytes.Equal(a.Seed("x"), b.Seed("x")) || bytes.Equal(a.Seed("x"), a.Seed("y")) || bytes.Equal(Keys{}.Seed("one x"), Keys{}.Seed("x")) {
		t.Fatal("two domains or labels share a seed")
	}
	if !bytes.Equal(a.Seed("x"), Keys{}.Seed("one x")) {
		t.Fatal("a domain is not its prefix")
	}
	n1, s1 := a.Replica(1)
	n2, s2 := a.Replica(2)
	if n1.Equal(n2) || s1 == s2 {
		t.Fatal("two replicas share a key")
	}
}

// TestCareerTxPassesTheChecks: the transaction the kit builds is what a
// replica accepts, with and without a PoW stamp.
func TestCareerTxPassesTheChecks(t *testing.T) {
	k := Keys{Domain: "testkit"}
	holder, pay, att := k.Wallet(t, "holder"), k.Wallet(t, "payment"), k.Wallet(t, "attester")
	p := chain.Params{ChainID: "kit-chain", Attesters: map[string]bool{att.KeyHex(): true}, PaymentIssuers: map[string]bool{pay.KeyHex(): true}}
	for _, d := range []uint8{0, 4} {
		tx := CareerTx(t, "kit-chain", holder, pay, att, 1, "pay-1", d)
		p.PoWDifficulty = d
		if err := tx.CheckStateless(p); err != nil {
			t.Fatalf("difficulty %d: %v", d, err)
		}
		back, err := chain.DecodeTx(Encode(t, tx), 64<<10)
		if err != nil || back.Career.Statement.Nonce != 1 {
			t.Fatalf("round trip: %v", err)
		}
	}
}
