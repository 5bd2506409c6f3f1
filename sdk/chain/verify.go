package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits on the fields of a transaction, in bytes of UTF-8 unless said
// otherwise. They bound what a replica stores and hashes; whether a value is
// plausible (dates in order, known skills) is the validator plugin's call.
const (
	MaxRoleLen         = 200
	MaxOrganisationLen = 200
	MaxDateLen         = 10 // "YYYY-MM-DD"
	MaxDescriptionLen  = 4000
	MaxSkills          = 50 // entries
	MaxSkillLen        = 100
	MaxEvidence        = 20 // entries
	MaxProviderLen     = 64
	MaxPaymentIDLen    = 128
	MaxReasonLen       = 1000
	MaxPlugins         = 64 // entries
	MaxPluginNameLen   = 64
	MaxPluginConfigLen = 4096
	MaxMembershipBytes = 32 << 10
)

// EvidencePrefix starts every evidence digest: "sha256:" and 64 hex digits.
const EvidencePrefix = "sha256:"

// Plugin kinds.
const (
	KindValidator = "validator"
	KindPayment   = "payment"
	KindScorer    = "scorer"
)

// Params is what the stateless checks need to know about the chain. Key
// sets hold lower-case hex Ed25519 public keys; a nil set allows nobody.
type Params struct {
	ChainID        string
	PoWDifficulty  uint8
	Attesters      map[string]bool // keys allowed to attest career records
	PaymentIssuers map[string]bool // keys of payment services that sign receipts
	ConfigSigners  map[string]bool // MSP/operator keys the genesis names
	MaxTxBytes     int             // <= 0 means DefaultMaxTxBytes
}

// CheckStateless runs the checks a replica makes on every transaction
// before execution, the ones that need no ledger state: the encoding's
// chain id, that exactly the body matching Type is set, the form and length
// of every field, the size of the encoding, the PoW stamp, that every key is one the
// chain allows, and every signature. The cheap checks run first, the
// signatures last. The error wraps the sentinel that names the reason
// (ErrMalformed, ErrTooLarge, ErrWrongChain, ErrPoW, ErrUnknownAttester,
// ErrUnknownIssuer, ErrUnknownSigner, ErrHolderMismatch, ErrReceiptMismatch,
// ErrMissingAttestation, ErrBadSignature) and says which field is wrong.
//
// What needs state is the executor's job: nonce replay, that an amended or
// revoked record exists and the revoker is its holder or attester, that a
// payment id is used once, that a key change applies to the key set in
// force (ApplyKeyChange).
func (tx *Tx) CheckStateless(p Params) error { return tx.CheckStatelessWith(p, ed25519.Verify) }

// SigVerifier verifies an Ed25519 signature exactly as crypto/ed25519.Verify
// does. CheckStatelessWith takes one so that its caller can keep what it
// learns: a replica notes each signature verified, so that its plugin host
// answers a plugin's check of the same signature without verifying it again
// (wasm.SigNotes). The package itself keeps no state.
type SigVerifier func(pub ed25519.PublicKey, msg, sig []byte) bool

// CheckStatelessWith is CheckStateless with every signature verified by vf.
func (tx *Tx) CheckStatelessWith(p Params, vf SigVerifier) error {
	if err := tx.CheckForm(p); err != nil {
		return err
	}
	switch tx.Type {
	case TypeRegister, TypeAmend:
		return checkCareerSigs(tx.Career, vf)
	case TypeRevoke:
		return checkRevokeSig(tx.Revoke, vf)
	default:
		return checkConfigSig(tx.Config, vf)
	}
}

// CheckForm runs the checks of CheckStateless that verify no signature:
// the chain id, the body matching Type, the form and length of every
// field, the size of the encoding, the PoW stamp and that every key is one
// p allows. The light client (sdk/verify) runs it and then the signature
// checks one by one (Career.CheckHolderSig, CheckReceipt, CheckAttestation,
// Revoke.CheckSig), so that it can say which one failed.
func (tx *Tx) CheckForm(p Params) error {
	if tx == nil {
		return fmt.Errorf("%w: nil transaction", ErrMalformed)
	}
	if err := tx.checkShape(); err != nil {
		return err
	}
	var err error
	switch tx.Type {
	case TypeRegister, TypeAmend:
		err = checkCareerForm(tx.Type, tx.Career, p)
	case TypeRevoke:
		err = checkRevokeForm(tx.Revoke, p)
	case TypeConfig:
		err = checkConfigForm(tx.Config, p)
	}
	if err != nil {
		return err
	}
	// The form checks bound every field, so encoding is bounded too.
	size, powData, err := sizeAndPoWData(tx)
	if err != nil {
		return err
	}
	max := p.MaxTxBytes
	if max <= 0 {
		max = DefaultMaxTxBytes
	}
	if size > max {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, max)
	}
	if !StampOK(powData, tx.PoW, p.PoWDifficulty) {
		return fmt.Errorf("%w: stamp %d has fewer than %d leading zero bits", ErrPoW, tx.PoW, p.PoWDifficulty)
	}
	return nil
}

// sizeAndPoWData returns len(EncodeTx(tx)) and PoWData(tx) with one
// encoding: the two encodings differ only in the digits of "pow".
func sizeAndPoWData(tx *Tx) (int, []byte, error) {
	if err := checkSafeUint("pow", tx.PoW); err != nil {
		return 0, nil, err
	}
	zero := *tx
	zero.PoW = 0
	enc0, err := EncodeTx(&zero)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	id := sha256.Sum256(enc0)
	return len(enc0) - 1 + len(strconv.FormatUint(tx.PoW, 10)), id[:], nil
}

// checkShape checks that exactly the body matching the type is set.
func (tx *Tx) checkShape() error {
	var want string
	switch tx.Type {
	case TypeRegister, TypeAmend:
		want = "career"
	case TypeRevoke:
		want = "revoke"
	case TypeConfig:
		want = "config"
	default:
		return fmt.Errorf("%w: unknown type %q", ErrMalformed, clip(tx.Type))
	}
	bodies := map[string]bool{"career": tx.Career != nil, "revoke": tx.Revoke != nil, "config": tx.Config != nil}
	for name, set := range bodies {
		if set && name != want {
			return fmt.Errorf("%w: type %s carries a %s body", ErrMalformed, tx.Type, name)
		}
	}
	if !bodies[want] {
		return fmt.Errorf("%w: type %s has no %s body", ErrMalformed, tx.Type, want)
	}
	return nil
}

func checkChain(field, got string, p Params) error {
	if got != p.ChainID {
		return fmt.Errorf("%w: %s is %q, this chain is %q", ErrWrongChain, field, clip(got), p.ChainID)
	}
	return nil
}

func checkCareerForm(typ string, c *Career, p Params) error {
	s := &c.Statement
	if err := checkChain("statement.chain_id", s.ChainID, p); err != nil {
		return err
	}
	if s.Type != typ {
		return fmt.Errorf("%w: statement.type %q differs from the transaction type %q", ErrMalformed, clip(s.Type), typ)
	}
	if err := checkClaim(&s.Claim); err != nil {
		return err
	}
	switch {
	case typ == TypeAmend:
		if err := checkHex("statement.supersedes", s.Supersedes, 32); err != nil {
			return err
		}
	case s.Supersedes != "":
		return fmt.Errorf("%w: statement.supersedes is set on a %s", ErrMalformed, typ)
	}
	if err := checkSafeUint("statement.nonce", s.Nonce); err != nil {
		return err
	}
	if err := checkHex("statement.holder_key", s.HolderKey, ed25519.PublicKeySize); err != nil {
		return err
	}
	if _, err := ParseAddress(s.Holder); err != nil {
		return fmt.Errorf("%w: statement.holder: %w", ErrMalformed, err)
	}
	if want, _ := AddressFromKeyHex(s.HolderKey); s.Holder != want {
		return fmt.Errorf("%w: statement.holder is %s, the key's address is %s", ErrHolderMismatch, s.Holder, want)
	}
	if err := checkHex("holder_sig", c.HolderSig, ed25519.SignatureSize); err != nil {
		return err
	}
	if err := checkReceiptForm(&c.Receipt, p); err != nil {
		return err
	}
	a := &c.Attestation
	if *a == (Attestation{}) {
		return fmt.Errorf("%w: a %s needs an admin's attestation", ErrMissingAttestation, typ)
	}
	if err := checkHex("attestation.attester", a.Attester, ed25519.PublicKeySize); err != nil {
		return err
	}
	if err := checkHex("attestation.sig", a.Sig, ed25519.SignatureSize); err != nil {
		return err
	}
	if a.Time < 0 || a.Time > MaxSafeInteger {
		return fmt.Errorf("%w: attestation.time %d is out of range", ErrMalformed, a.Time)
	}
	if !p.Attesters[a.Attester] {
		return fmt.Errorf("%w: %s", ErrUnknownAttester, a.Attester)
	}
	return nil
}

func checkClaim(c *Claim) error {
	if err := checkText("claim.role", c.Role, 1, MaxRoleLen); err != nil {
		return err
	}
	if err := checkText("claim.organisation", c.Organisation, 1, MaxOrganisationLen); err != nil {
		return err
	}
	if err := checkText("claim.start", c.Start, 1, MaxDateLen); err != nil {
		return err
	}
	if err := checkText("claim.end", c.End, 0, MaxDateLen); err != nil {
		return err
	}
	if err := checkText("claim.description", c.Description, 0, MaxDescriptionLen); err != nil {
		return err
	}
	if len(c.Skills) > MaxSkills {
		return fmt.Errorf("%w: claim.skills has %d entries, limit %d", ErrMalformed, len(c.Skills), MaxSkills)
	}
	for i, sk := range c.Skills {
		if err := checkText(fmt.Sprintf("claim.skills[%d]", i), sk, 1, MaxSkillLen); err != nil {
			return err
		}
	}
	if len(c.Evidence) > MaxEvidence {
		return fmt.Errorf("%w: claim.evidence has %d entries, limit %d", ErrMalformed, len(c.Evidence), MaxEvidence)
	}
	for i, ev := range c.Evidence {
		field := fmt.Sprintf("claim.evidence[%d]", i)
		if len(ev) != len(EvidencePrefix)+64 || ev[:len(EvidencePrefix)] != EvidencePrefix {
			return fmt.Errorf("%w: %s must be %q and 64 lower-case hex digits", ErrMalformed, field, EvidencePrefix)
		}
		if err := checkHex(field, ev[len(EvidencePrefix):], 32); err != nil {
			return err
		}
	}
	return nil
}

func checkReceiptForm(r *Receipt, p Params) error {
	if err := checkText("receipt.provider", r.Provider, 1, MaxProviderLen); err != nil {
		return err
	}
	if err := checkText("receipt.payment_id", r.PaymentID, 1, MaxPaymentIDLen); err != nil {
		return err
	}
	if r.Amount < 0 || r.Amount > MaxSafeInteger {
		return fmt.Errorf("%w: receipt.amount %d is out of range", ErrMalformed, r.Amount)
	}
	if !isCurrency(r.Currency) {
		return fmt.Errorf("%w: receipt.currency %q is not three upper-case letters (ISO 4217)", ErrMalformed, clip(r.Currency))
	}
	if err := checkHex("receipt.claim", r.Claim, 32); err != nil {
		return err
	}
	if err := checkHex("receipt.issuer", r.Issuer, ed25519.PublicKeySize); err != nil {
		return err
	}
	if err := checkHex("receipt.sig", r.Sig, ed25519.SignatureSize); err != nil {
		return err
	}
	if !p.PaymentIssuers[r.Issuer] {
		return fmt.Errorf("%w: %s", ErrUnknownIssuer, r.Issuer)
	}
	return nil
}

func checkCareerSigs(c *Career, vf SigVerifier) error {
	sb, err := StatementSigningBytes(c.Statement)
	if err != nil {
		return fmt.Errorf("%w: statement: %w", ErrMalformed, err)
	}
	if err := verify(vf, "holder_sig", c.Statement.HolderKey, sb, c.HolderSig); err != nil {
		return err
	}
	sd := hexSum(sb)
	rd, err := checkReceiptSig(&c.Receipt, sd, vf)
	if err != nil {
		return err
	}
	return checkAttestationSig(&c.Attestation, sd, rd, vf)
}

// checkReceiptSig checks that r pays for the statement with digest sd and
// that its issuer signed it; it returns the receipt's digest.
func checkReceiptSig(r *Receipt, sd string, vf SigVerifier) (string, error) {
	if r.Claim != sd {
		return "", fmt.Errorf("%w: receipt.claim is %s, the statement digest is %s", ErrReceiptMismatch, r.Claim, sd)
	}
	rb, err := ReceiptSigningBytes(*r)
	if err != nil {
		return "", fmt.Errorf("%w: receipt: %w", ErrMalformed, err)
	}
	if err := verify(vf, "receipt.sig", r.Issuer, rb, r.Sig); err != nil {
		return "", err
	}
	return hexSum(rb), nil
}

// checkAttestationSig checks the attester's signature over the statement
// digest sd and the receipt digest rd.
func checkAttestationSig(a *Attestation, sd, rd string, vf SigVerifier) error {
	ab, err := AttestationSigningBytes(sd, rd, a.Time, a.Attester)
	if err != nil {
		return fmt.Errorf("%w: attestation: %w", ErrMalformed, err)
	}
	return verify(vf, "attestation.sig", a.Attester, ab, a.Sig)
}

func checkRevokeForm(r *Revoke, p Params) error {
	if err := checkChain("revoke.chain_id", r.ChainID, p); err != nil {
		return err
	}
	if err := checkSafeUint("revoke.nonce", r.Nonce); err != nil {
		return err
	}
	if err := checkHex("revoke.target", r.Target, 32); err != nil {
		return err
	}
	if err := checkText("revoke.reason", r.Reason, 1, MaxReasonLen); err != nil {
		return err
	}
	if err := checkHex("revoke.by", r.By, ed25519.PublicKeySize); err != nil {
		return err
	}
	return checkHex("revoke.sig", r.Sig, ed25519.SignatureSize)
}

func checkRevokeSig(r *Revoke, vf SigVerifier) error {
	b, err := RevokeSigningBytes(*r)
	if err != nil {
		return fmt.Errorf("%w: revoke: %w", ErrMalformed, err)
	}
	return verify(vf, "revoke.sig", r.By, b, r.Sig)
}

func checkConfigForm(c *Config, p Params) error {
	if err := checkChain("config.chain_id", c.ChainID, p); err != nil {
		return err
	}
	if err := checkSafeUint("config.nonce", c.Nonce); err != nil {
		return err
	}
	parts := 0
	if len(c.Membership) > 0 {
		parts++
		if len(c.Membership) > MaxMembershipBytes {
			return fmt.Errorf("%w: config.membership has %d bytes, limit %d", ErrMalformed, len(c.Membership), MaxMembershipBytes)
		}
	}
	if c.Leader != nil {
		parts++
		if err := checkSafeUint("config.leader", *c.Leader); err != nil {
			return err
		}
	}
	if len(c.Plugins) > 0 {
		parts++
		if err := checkPlugins(c.Plugins); err != nil {
			return err
		}
	}
	if c.PoWDifficulty != nil {
		parts++
	}
	if c.Keys != nil {
		parts++
		if err := checkKeyChangeForm(c.Keys); err != nil {
			return err
		}
	}
	if parts != 1 {
		return fmt.Errorf("%w: config sets %d of membership, leader, plugins, pow_difficulty, keys; want exactly 1", ErrMalformed, parts)
	}
	if err := checkHex("config.signer", c.Signer, ed25519.PublicKeySize); err != nil {
		return err
	}
	if err := checkHex("config.sig", c.Sig, ed25519.SignatureSize); err != nil {
		return err
	}
	if !p.ConfigSigners[c.Signer] {
		return fmt.Errorf("%w: %s", ErrUnknownSigner, c.Signer)
	}
	return nil
}

func checkPlugins(ps []PluginRef) error {
	if len(ps) > MaxPlugins {
		return fmt.Errorf("%w: config.plugins has %d entries, limit %d", ErrMalformed, len(ps), MaxPlugins)
	}
	for i, pl := range ps {
		field := fmt.Sprintf("config.plugins[%d]", i)
		if err := checkText(field+".name", pl.Name, 1, MaxPluginNameLen); err != nil {
			return err
		}
		if err := checkText(field+".version", pl.Version, 1, MaxPluginNameLen); err != nil {
			return err
		}
		switch pl.Kind {
		case KindValidator, KindPayment, KindScorer:
		default:
			return fmt.Errorf("%w: %s.kind %q is not validator, payment or scorer", ErrMalformed, field, clip(pl.Kind))
		}
		if err := checkHex(field+".sha256", pl.SHA256, 32); err != nil {
			return err
		}
		if err := checkText(field+".config", pl.Config, 0, MaxPluginConfigLen); err != nil {
			return err
		}
	}
	return nil
}

func checkConfigSig(c *Config, vf SigVerifier) error {
	b, err := ConfigSigningBytes(*c)
	if err != nil {
		return fmt.Errorf("%w: config: %w", ErrMalformed, err)
	}
	return verify(vf, "config.sig", c.Signer, b, c.Sig)
}

// verify checks with vf a hex signature by a hex key whose form was
// checked before.
func verify(vf SigVerifier, field, keyHex string, msg []byte, sigHex string) error {
	key, err := hex.DecodeString(keyHex)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: %s: bad key", ErrMalformed, field)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %s: bad signature encoding", ErrMalformed, field)
	}
	if !vf(key, msg, sig) {
		return fmt.Errorf("%w: %s does not verify", ErrBadSignature, field)
	}
	return nil
}

// checkText checks that s is valid UTF-8 of min to max bytes.
func checkText(field, s string, min, max int) error {
	switch {
	case len(s) < min && min == 1:
		return fmt.Errorf("%w: %s is empty", ErrMalformed, field)
	case len(s) < min:
		return fmt.Errorf("%w: %s is shorter than %d bytes", ErrMalformed, field, min)
	case len(s) > max:
		return fmt.Errorf("%w: %s has %d bytes, limit %d", ErrMalformed, field, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrMalformed, field)
	}
	return nil
}

// checkHex checks that s is exactly n bytes in lower-case hex.
func checkHex(field, s string, n int) error {
	if len(s) != 2*n || !isLowerHex(s) {
		if s == "" {
			return fmt.Errorf("%w: %s is empty", ErrMalformed, field)
		}
		return fmt.Errorf("%w: %s must be %d lower-case hex digits", ErrMalformed, field, 2*n)
	}
	return nil
}

func checkSafeUint(field string, v uint64) error {
	if v > MaxSafeInteger {
		return fmt.Errorf("%w: %s %d is beyond 2^53-1", ErrMalformed, field, v)
	}
	return nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
