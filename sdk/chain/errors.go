package chain

import "errors"

// Sentinel errors. Every error this package returns wraps one of them, so a
// caller can branch with errors.Is and show the wrapped message to a user.
var (
	// ErrMalformed: a field is missing, too long, not valid hex, not valid
	// UTF-8, or the body does not match the type.
	ErrMalformed = errors.New("chain: malformed transaction")
	// ErrTooLarge: the encoded transaction exceeds the size limit.
	ErrTooLarge = errors.New("chain: transaction too large")
	// ErrNonCanonical: the bytes decode, but are not the canonical encoding.
	ErrNonCanonical = errors.New("chain: non-canonical encoding")
	// ErrWrongChain: the chain id differs from the chain's.
	ErrWrongChain = errors.New("chain: wrong chain id")
	// ErrBadSignature: a signature does not verify.
	ErrBadSignature = errors.New("chain: bad signature")
	// ErrHolderMismatch: the holder address is not the address of the holder key.
	ErrHolderMismatch = errors.New("chain: holder address does not match holder key")
	// ErrReceiptMismatch: the receipt pays for another statement.
	ErrReceiptMismatch = errors.New("chain: receipt is for another statement")
	// ErrMissingAttestation: a career transaction carries no attestation.
	ErrMissingAttestation = errors.New("chain: missing attestation")
	// ErrUnknownAttester: the attester key is not allowed to attest.
	ErrUnknownAttester = errors.New("chain: attester not allowed")
	// ErrUnknownIssuer: the receipt issuer is not a registered payment service.
	ErrUnknownIssuer = errors.New("chain: receipt issuer not allowed")
	// ErrUnknownSigner: the config signer is not a key the genesis names.
	ErrUnknownSigner = errors.New("chain: config signer not allowed")
	// ErrKeyChange: a key-set change removes a key the set lacks or adds
	// one it holds (a question of state: see ApplyKeyChange).
	ErrKeyChange = errors.New("chain: key change does not apply to the key set")
	// ErrPoW: the hashcash stamp does not meet the difficulty.
	ErrPoW = errors.New("chain: proof of work below difficulty")
	// ErrCanonical: a value cannot be put in canonical form (a float, an
	// integer beyond ±(2^53−1), invalid UTF-8, or json.Marshal failed).
	ErrCanonical = errors.New("chain: cannot canonicalise")
	// ErrAddress: an address has the wrong prefix, length or characters.
	ErrAddress = errors.New("chain: invalid address")
	// ErrAddressChecksum: an address is well formed but mistyped.
	ErrAddressChecksum = errors.New("chain: address checksum mismatch")
	// ErrKey: a key or seed has the wrong length or is not hex.
	ErrKey = errors.New("chain: invalid key")
	// ErrKeyFile: a key file is malformed, of another version, or asks
	// for weaker or far costlier key derivation than allowed.
	ErrKeyFile = errors.New("chain: invalid key file")
	// ErrPassphrase: a key file does not open with the passphrase given
	// (wrong, or the file was changed), or the passphrase is empty.
	ErrPassphrase = errors.New("chain: wrong passphrase")
)
