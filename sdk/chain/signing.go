package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// Domain tags. The bytes signed for an object are its tag, a line feed and
// the canonical JSON of the object, so a signature made for one purpose is
// never valid for another.
const (
	TagStatement   = "careerchain/statement/v1"
	TagReceipt     = "careerchain/receipt/v1"
	TagAttestation = "careerchain/attestation/v1"
	TagRevoke      = "careerchain/revoke/v1"
	TagConfig      = "careerchain/config/v1"
)

// StatementSigningBytes returns the bytes a holder signs: TagStatement, a
// line feed and the canonical JSON of s.
func StatementSigningBytes(s Statement) ([]byte, error) {
	return signed(TagStatement, 1024, func(c *canon) { c.statement(&s) })
}

// ReceiptSigningBytes returns the bytes a payment service signs:
// TagReceipt, a line feed and the canonical JSON of r with Sig set to "".
func ReceiptSigningBytes(r Receipt) ([]byte, error) {
	r.Sig = ""
	return signed(TagReceipt, 384, func(c *canon) { c.receipt(&r) })
}

// attestationBody is what an attester signs. Its canonical JSON is
// {"attester":…,"receipt":…,"statement":…,"time":…}.
type attestationBody struct {
	Attester  string `json:"attester"`
	Receipt   string `json:"receipt"`
	Statement string `json:"statement"`
	Time      int64  `json:"time"`
}

// AttestationSigningBytes returns the bytes an attester signs: TagAttestation,
// a line feed and the canonical JSON of
// {"attester":attester,"receipt":receiptDigest,"statement":statementDigest,"time":time}.
func AttestationSigningBytes(statementDigest, receiptDigest string, time int64, attester string) ([]byte, error) {
	body := attestationBody{Attester: attester, Receipt: receiptDigest, Statement: statementDigest, Time: time}
	return signed(TagAttestation, 256, func(c *canon) { c.attestationBody(&body) })
}

// RevokeSigningBytes returns TagRevoke, a line feed and the canonical JSON
// of r with Sig set to "".
func RevokeSigningBytes(r Revoke) ([]byte, error) {
	r.Sig = ""
	return signed(TagRevoke, 512, func(c *canon) { c.revoke(&r) })
}

// ConfigSigningBytes returns TagConfig, a line feed and the canonical JSON
// of c with Sig set to "".
func ConfigSigningBytes(c Config) ([]byte, error) {
	c.Sig = ""
	return signed(TagConfig, 512, func(w *canon) { w.config(&c) })
}

// Digest returns the hex SHA-256 of the statement's signing bytes, the value
// a receipt's Claim and an attestation refer to. It returns "" if s cannot be
// canonicalised (an integer beyond MaxSafeInteger); CheckStateless rejects
// such statements before it compares digests.
func (s Statement) Digest() string {
	b, err := StatementSigningBytes(s)
	if err != nil {
		return ""
	}
	return hexSum(b)
}

// Digest returns the hex SHA-256 of the receipt's signing bytes (its Sig
// excluded), or "" if r cannot be canonicalised.
func (r Receipt) Digest() string {
	b, err := ReceiptSigningBytes(r)
	if err != nil {
		return ""
	}
	return hexSum(b)
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NewNonce returns a random nonce in [0, MaxSafeInteger] read from rand
// (crypto/rand.Reader in production).
func NewNonce(rand io.Reader) (uint64, error) {
	var b [8]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return 0, fmt.Errorf("chain: read nonce: %w", err)
	}
	return binary.BigEndian.Uint64(b[:]) & MaxSafeInteger, nil
}

// NewStatement returns a career.register statement by the wallet's holder.
// For an amendment set Type to TypeAmend and Supersedes to the old TxID.
func NewStatement(w Wallet, chainID string, nonce uint64, c Claim) Statement {
	return Statement{
		ChainID:   chainID,
		Type:      TypeRegister,
		Nonce:     nonce,
		Holder:    w.Address(),
		HolderKey: w.KeyHex(),
		Claim:     c,
	}
}

// SignStatement returns the holder's hex signature over s. The wallet must
// be the holder's: s.HolderKey must be the wallet's key.
func SignStatement(w Wallet, s Statement) (holderSig string, err error) {
	if s.HolderKey != w.KeyHex() {
		return "", fmt.Errorf("%w: statement.holder_key is not the signing wallet's key", ErrMalformed)
	}
	b, err := StatementSigningBytes(s)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(ed25519.Sign(w.key, b)), nil
}

// NewReceipt returns an unsigned receipt for a payment of amount (in the
// currency's minor unit) towards the statement with the given digest.
func NewReceipt(provider, paymentID string, amount int64, currency, statementDigest string) Receipt {
	return Receipt{
		Provider:  provider,
		PaymentID: paymentID,
		Amount:    amount,
		Currency:  currency,
		Claim:     statementDigest,
	}
}

// SignReceipt returns r with Issuer set to the public key of priv and Sig
// to the issuer's signature.
func SignReceipt(priv ed25519.PrivateKey, r Receipt) (Receipt, error) {
	r.Issuer = hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	b, err := ReceiptSigningBytes(r)
	if err != nil {
		return Receipt{}, err
	}
	r.Sig = hex.EncodeToString(ed25519.Sign(priv, b))
	return r, nil
}

// Attest returns the attestation by the key priv of statement s, paid by
// receipt r, at time t (Unix seconds).
func Attest(priv ed25519.PrivateKey, s Statement, r Receipt, t int64) (Attestation, error) {
	attester := hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	sd, rd := s.Digest(), r.Digest()
	if sd == "" || rd == "" {
		return Attestation{}, fmt.Errorf("%w: statement or receipt has an integer beyond 2^53-1", ErrCanonical)
	}
	b, err := AttestationSigningBytes(sd, rd, t, attester)
	if err != nil {
		return Attestation{}, err
	}
	return Attestation{Attester: attester, Time: t, Sig: hex.EncodeToString(ed25519.Sign(priv, b))}, nil
}

// SignRevoke returns r with By set to the public key of priv and Sig to its
// signature.
func SignRevoke(priv ed25519.PrivateKey, r Revoke) (Revoke, error) {
	r.By = hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	b, err := RevokeSigningBytes(r)
	if err != nil {
		return Revoke{}, err
	}
	r.Sig = hex.EncodeToString(ed25519.Sign(priv, b))
	return r, nil
}

// SignConfig returns c with Signer set to the public key of priv and Sig to
// its signature.
func SignConfig(priv ed25519.PrivateKey, c Config) (Config, error) {
	c.Signer = hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	b, err := ConfigSigningBytes(c)
	if err != nil {
		return Config{}, err
	}
	c.Sig = hex.EncodeToString(ed25519.Sign(priv, b))
	return c, nil
}

// NewCareerTx assembles a career.register or career.amend transaction (the
// type is the statement's) with a zero PoW stamp; see Mine.
func NewCareerTx(s Statement, holderSig string, r Receipt, a Attestation) *Tx {
	return &Tx{Type: s.Type, Career: &Career{Statement: s, HolderSig: holderSig, Receipt: r, Attestation: a}}
}

// NewRevokeTx wraps a signed Revoke in a career.revoke transaction.
func NewRevokeTx(r Revoke) *Tx { return &Tx{Type: TypeRevoke, Revoke: &r} }

// NewConfigTx wraps a signed Config in a config.change transaction.
func NewConfigTx(c Config) *Tx { return &Tx{Type: TypeConfig, Config: &c} }
