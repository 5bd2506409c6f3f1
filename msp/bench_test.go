package msp

import (
	"testing"
	"time"
)

// BenchmarkJoinVerify measures the MSP's stateless check of one join
// request: credential (Ed25519), node signature (ML-DSA-65), stamp.
func BenchmarkJoinVerify(b *testing.B) {
	c := &cluster{t: b, operator: wallet(b, "operator")}
	jr := c.joinRequest(b, 5, "http://127.0.0.1:9")
	check := joinCheck{chainID: testChain, operators: map[string]bool{c.operator.KeyHex(): true}, now: time.Now()}
	for b.Loop() {
		if err := verifyJoin(jr, check); err != nil {
			b.Fatal(err)
		}
	}
}
