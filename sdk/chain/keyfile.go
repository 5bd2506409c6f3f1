package chain

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The key file: one format for the portal (in the browser, with WebCrypto)
// and careerctl. It is JSON:
//
//	{
//	  "version": 1,
//	  "address": "cc1…",
//	  "public_key": "<hex Ed25519 public key>",
//	  "kdf": {"name": "pbkdf2-hmac-sha256", "iterations": 600000, "salt": "<hex, 16 bytes>"},
//	  "cipher": {"name": "aes-256-gcm", "nonce": "<hex, 12 bytes>", "ciphertext": "<hex, 48 bytes>"}
//	}
//
// The 32-byte Ed25519 seed (RFC 8032) is sealed with AES-256-GCM under the
// key PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32 bytes), with the
// additional data KeyFileTag + "\n" + public_key (the hex string's bytes),
// so the public key and address shown without the passphrase cannot be
// swapped for another's. The passphrase is its UTF-8 bytes as given, not
// normalised (WebCrypto does not normalise either). testdata/keyfile.json
// holds vectors every implementation reproduces.
const (
	KeyFileVersion = 1
	KeyFileTag     = "careerchain/keyfile/v1"
	// KeyFileIterations is the PBKDF2 iteration count EncryptKey uses,
	// and the least DecryptKey accepts (OWASP's figure for
	// PBKDF2-HMAC-SHA256).
	KeyFileIterations = 600_000
	// KeyFileMaxIterations bounds the work a key file can ask of a reader.
	KeyFileMaxIterations = 10_000_000

	kdfName    = "pbkdf2-hmac-sha256"
	cipherName = "aes-256-gcm"
	saltBytes  = 16
	nonceBytes = 12
	maxKeyFile = 4 << 10
)

// KeyFile is a wallet sealed with a passphrase (see KeyFileVersion for the
// format). Address and PublicKey are readable without the passphrase.
type KeyFile struct {
	Version   int       `json:"version"`
	Address   string    `json:"address"`
	PublicKey string    `json:"public_key"`
	KDF       KeyKDF    `json:"kdf"`
	Cipher    KeyCipher `json:"cipher"`
}

// KeyKDF names the key derivation and its parameters.
type KeyKDF struct {
	Name       string `json:"name"`
	Iterations int    `json:"iterations"`
	Salt       string `json:"salt"`
}

// KeyCipher names the cipher and holds the sealed seed.
type KeyCipher struct {
	Name       string `json:"name"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

// KeyFileOptions configures EncryptKey. The zero value is what a wallet
// should use: KeyFileIterations and a fresh random salt and nonce. Fixed
// values are for test vectors only.
type KeyFileOptions struct {
	Iterations int       // 0: KeyFileIterations; less is refused
	Salt       []byte    // nil: 16 random bytes
	Nonce      []byte    // nil: 12 random bytes
	Rand       io.Reader // source of salt and nonce; nil: crypto/rand
}

// EncryptKey seals the wallet's seed with passphrase and returns the key
// file as indented JSON with a final newline.
func (w Wallet) EncryptKey(passphrase string, o KeyFileOptions) ([]byte, error) {
	if w.key == nil {
		return nil, fmt.Errorf("%w: the zero wallet has no key", ErrKey)
	}
	if passphrase == "" {
		return nil, fmt.Errorf("%w: the passphrase is empty; choose one", ErrPassphrase)
	}
	if o.Iterations == 0 {
		o.Iterations = KeyFileIterations
	}
	if o.Iterations < KeyFileIterations || o.Iterations > KeyFileMaxIterations {
		return nil, fmt.Errorf("%w: %d PBKDF2 iterations, want %d..%d", ErrKeyFile, o.Iterations, KeyFileIterations, KeyFileMaxIterations)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	for _, p := range []struct {
		b *[]byte
		n int
	}{{&o.Salt, saltBytes}, {&o.Nonce, nonceBytes}} {
		if *p.b == nil {
			*p.b = make([]byte, p.n)
			if _, err := io.ReadFull(o.Rand, *p.b); err != nil {
				return nil, fmt.Errorf("chain: key file randomness: %w", err)
			}
		}
	}
	if len(o.Salt) < saltBytes || len(o.Nonce) != nonceBytes {
		return nil, fmt.Errorf("%w: salt of %d bytes (want at least %d), nonce of %d (want %d)", ErrKeyFile, len(o.Salt), saltBytes, len(o.Nonce), nonceBytes)
	}
	kf := KeyFile{Version: KeyFileVersion, Address: w.Address(), PublicKey: w.KeyHex(),
		KDF: KeyKDF{Name: kdfName, Iterations: o.Iterations, Salt: hex.EncodeToString(o.Salt)}}
	aead, err := keyFileAEAD(passphrase, o.Salt, o.Iterations)
	if err != nil {
		return nil, err
	}
	sealed := aead.Seal(nil, o.Nonce, w.Seed(), keyFileAD(kf.PublicKey))
	kf.Cipher = KeyCipher{Name: cipherName, Nonce: hex.EncodeToString(o.Nonce), Ciphertext: hex.EncodeToString(sealed)}
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	return append(b, '\n'), nil
}

// ParseKeyFile reads a key file strictly (version 1, known fields only,
// well-formed parameters) without decrypting it, so a caller can show the
// address before asking for the passphrase.
func ParseKeyFile(b []byte) (*KeyFile, error) {
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%w: %d bytes, a key file has at most %d", ErrKeyFile, len(b), maxKeyFile)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var kf KeyFile
	if err := dec.Decode(&kf); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the key file", ErrKeyFile)
	}
	switch {
	case kf.Version != KeyFileVersion:
		return nil, fmt.Errorf("%w: version %d, this reader reads version %d", ErrKeyFile, kf.Version, KeyFileVersion)
	case kf.KDF.Name != kdfName || kf.Cipher.Name != cipherName:
		return nil, fmt.Errorf("%w: kdf %q and cipher %q, want %q and %q", ErrKeyFile, clip(kf.KDF.Name), clip(kf.Cipher.Name), kdfName, cipherName)
	case kf.KDF.Iterations < KeyFileIterations || kf.KDF.Iterations > KeyFileMaxIterations:
		return nil, fmt.Errorf("%w: %d PBKDF2 iterations, want %d..%d", ErrKeyFile, kf.KDF.Iterations, KeyFileIterations, KeyFileMaxIterations)
	}
	for _, f := range []struct {
		name, v  string
		min, max int
	}{{"salt", kf.KDF.Salt, saltBytes, 64}, {"nonce", kf.Cipher.Nonce, nonceBytes, nonceBytes}, {"ciphertext", kf.Cipher.Ciphertext, 48, 48}} {
		if !isLowerHex(f.v) || len(f.v)/2 < f.min || len(f.v)/2 > f.max {
			return nil, fmt.Errorf("%w: %s must be %d..%d bytes of lower-case hex", ErrKeyFile, f.name, f.min, f.max)
		}
	}
	pub, err := parseKey(kf.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: public_key: %w", ErrKeyFile, err)
	}
	if AddressFromKey(pub) != kf.Address {
		return nil, fmt.Errorf("%w: address %q is not the public key's", ErrKeyFile, clip(kf.Address))
	}
	return &kf, nil
}

// DecryptKey opens a key file with passphrase. A wrong passphrase and a
// changed file are the same error, ErrPassphrase: AES-GCM cannot tell them
// apart.
func DecryptKey(b []byte, passphrase string) (Wallet, error) {
	kf, err := ParseKeyFile(b)
	if err != nil {
		return Wallet{}, err
	}
	salt, _ := hex.DecodeString(kf.KDF.Salt)
	nonce, _ := hex.DecodeString(kf.Cipher.Nonce)
	sealed, _ := hex.DecodeString(kf.Cipher.Ciphertext)
	aead, err := keyFileAEAD(passphrase, salt, kf.KDF.Iterations)
	if err != nil {
		return Wallet{}, err
	}
	seed, err := aead.Open(nil, nonce, sealed, keyFileAD(kf.PublicKey))
	if err != nil {
		return Wallet{}, fmt.Errorf("%w: the key file for %s does not open with this passphrase (or it was changed)", ErrPassphrase, kf.Address)
	}
	w, err := WalletFromSeed(seed)
	if err != nil {
		return Wallet{}, err
	}
	if w.KeyHex() != kf.PublicKey {
		return Wallet{}, fmt.Errorf("%w: the sealed key is not the key file's public key", ErrKeyFile)
	}
	return w, nil
}

func keyFileAEAD(passphrase string, salt []byte, iterations int) (cipher.AEAD, error) {
	if passphrase == "" {
		return nil, fmt.Errorf("%w: the passphrase is empty", ErrPassphrase)
	}
	k, err := pbkdf2.Key(sha256.New, passphrase, salt, iterations, 32)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyFile, err)
	}
	return cipher.NewGCM(block)
}

func keyFileAD(pubHex string) []byte { return []byte(KeyFileTag + "\n" + pubHex) }
