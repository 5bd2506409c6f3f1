package chain

import (
	"errors"
	"testing"
)

// TestCheckParts: each part check catches its own tampering, passes the
// others, and agrees with CheckStateless.
func TestCheckParts(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		opts    careerOpts
		holder  error
		receipt error
		attest  error
	}{
		{name: "valid"},
		{name: "holder sig by another key", opts: careerOpts{after: func(tx *Tx) { tx.Career.HolderSig = sigOf(t, f.stranger, tx) }}, holder: ErrBadSignature},
		{name: "receipt amount changed", opts: careerOpts{after: func(tx *Tx) { tx.Career.Receipt.Amount++ }}, receipt: ErrBadSignature, attest: ErrBadSignature},
		{name: "receipt by unknown issuer", opts: careerOpts{issuer: &f.stranger}, receipt: ErrUnknownIssuer},
		{name: "receipt for another statement", opts: careerOpts{receipt: func(r *Receipt) { r.Claim = hexSum([]byte("other")) }}, receipt: ErrReceiptMismatch},
		{name: "attestation by unknown attester", opts: careerOpts{attester: &f.stranger}, attest: ErrUnknownAttester},
		{name: "attestation time changed", opts: careerOpts{after: func(tx *Tx) { tx.Career.Attestation.Time++ }}, attest: ErrBadSignature},
		{name: "attestation missing", opts: careerOpts{after: func(tx *Tx) { tx.Career.Attestation = Attestation{} }}, attest: ErrMissingAttestation},
	}
	p := f.params()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := f.career(t, tt.opts)
			c := tx.Career
			for _, part := range []struct {
				name string
				got  error
				want error
			}{{"holder", c.CheckHolderSig(), tt.holder}, {"receipt", c.CheckReceipt(p), tt.receipt}, {"attestation", c.CheckAttestation(p), tt.attest}} {
				if (part.want == nil) != (part.got == nil) || (part.want != nil && !errors.Is(part.got, part.want)) {
					t.Errorf("%s check: got %v, want %v", part.name, part.got, part.want)
				}
			}
			all := tt.holder == nil && tt.receipt == nil && tt.attest == nil
			if err := tx.CheckStateless(p); (err == nil) != all {
				t.Errorf("CheckStateless: %v, but the parts say ok=%v", err, all)
			}
		})
	}
	r := f.revoke(t, f.holder, nil)
	if err := r.Revoke.CheckSig(); err != nil {
		t.Fatalf("valid revoke: %v", err)
	}
	r.Revoke.Reason += "!"
	if err := r.Revoke.CheckSig(); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("changed revoke reason: got %v, want ErrBadSignature", err)
	}
}

// sigOf returns w's signature over tx's statement.
func sigOf(t *testing.T, w Wallet, tx *Tx) string {
	t.Helper()
	s := tx.Career.Statement
	s.HolderKey = w.KeyHex()
	sig, err := SignStatement(w, s)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}
