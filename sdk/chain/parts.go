package chain

import (
	"crypto/ed25519"
	"fmt"
)

// The signature checks of CheckStateless, one by one, for callers that
// report each (the light client, sdk/verify). Each assumes that CheckForm
// passed, so that every key and signature is well-formed hex; each wraps
// one of the package's sentinels. They are the same code CheckStateless
// runs, so a transaction passes all of them exactly when it passes
// CheckStateless's signature checks.

// CheckHolderSig verifies the holder's signature over the statement
// (ErrBadSignature if it does not verify).
func (c *Career) CheckHolderSig() error {
	sb, err := StatementSigningBytes(c.Statement)
	if err != nil {
		return fmt.Errorf("%w: statement: %w", ErrMalformed, err)
	}
	return verify(ed25519.Verify, "holder_sig", c.Statement.HolderKey, sb, c.HolderSig)
}

// CheckReceipt verifies the payment receipt: its issuer is one p allows
// (ErrUnknownIssuer), it pays for this statement (ErrReceiptMismatch) and
// the issuer's signature verifies (ErrBadSignature).
func (c *Career) CheckReceipt(p Params) error {
	r := &c.Receipt
	if !p.PaymentIssuers[r.Issuer] {
		return fmt.Errorf("%w: %s", ErrUnknownIssuer, r.Issuer)
	}
	sd := c.Statement.Digest()
	if sd == "" {
		return fmt.Errorf("%w: statement has an integer beyond 2^53-1", ErrMalformed)
	}
	_, err := checkReceiptSig(r, sd, ed25519.Verify)
	return err
}

// CheckAttestation verifies the admin's attestation: it is present
// (ErrMissingAttestation), its attester is one p allows
// (ErrUnknownAttester) and its signature over the statement and receipt
// digests verifies (ErrBadSignature).
func (c *Career) CheckAttestation(p Params) error {
	a := &c.Attestation
	if *a == (Attestation{}) {
		return fmt.Errorf("%w: a %s needs an admin's attestation", ErrMissingAttestation, c.Statement.Type)
	}
	if !p.Attesters[a.Attester] {
		return fmt.Errorf("%w: %s", ErrUnknownAttester, a.Attester)
	}
	sd, rd := c.Statement.Digest(), c.Receipt.Digest()
	if sd == "" || rd == "" {
		return fmt.Errorf("%w: statement or receipt has an integer beyond 2^53-1", ErrMalformed)
	}
	return checkAttestationSig(a, sd, rd, ed25519.Verify)
}

// CheckSig verifies the revoker's signature (ErrBadSignature). Whether the
// revoker may revoke the target is a question of ledger state.
func (r *Revoke) CheckSig() error { return checkRevokeSig(r, ed25519.Verify) }

// CheckSig verifies the config signer's signature (ErrBadSignature).
// Whether the signer is one the chain names is CheckForm's question.
func (c *Config) CheckSig() error { return checkConfigSig(c, ed25519.Verify) }
