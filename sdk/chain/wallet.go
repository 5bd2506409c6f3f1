package chain

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Address format: "cc1" + 40 hex digits (the first 20 bytes of
// SHA-256(public key)) + 8 hex digits of checksum (the first 4 bytes of
// SHA-256("careerchain/address/v1\n" + the 40 hex digits)).
const (
	AddressPrefix = "cc1"
	AddressLen    = len(AddressPrefix) + 2*addressBodyBytes + 2*addressSumBytes // 51

	addressBodyBytes = 20
	addressSumBytes  = 4
	addressTag       = "careerchain/address/v1"
)

// Wallet is an Ed25519 key pair. The zero Wallet is not usable; make one
// with NewWallet or WalletFromSeed.
type Wallet struct {
	key ed25519.PrivateKey
}

// NewWallet makes a wallet from 32 bytes of r (nil means crypto/rand; a
// fixed reader gives a fixed wallet in tests).
func NewWallet(r io.Reader) (Wallet, error) {
	if r == nil {
		r = rand.Reader
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(r, seed); err != nil {
		return Wallet{}, fmt.Errorf("chain: read wallet seed: %w", err)
	}
	return WalletFromSeed(seed)
}

// WalletFromSeed makes the wallet of a 32-byte Ed25519 seed (RFC 8032).
func WalletFromSeed(seed []byte) (Wallet, error) {
	if len(seed) != ed25519.SeedSize {
		return Wallet{}, fmt.Errorf("%w: seed has %d bytes, want %d", ErrKey, len(seed), ed25519.SeedSize)
	}
	return Wallet{key: ed25519.NewKeyFromSeed(seed)}, nil
}

// Seed returns the wallet's 32-byte seed, which is all it takes to restore it.
func (w Wallet) Seed() []byte { return w.key.Seed() }

// PrivateKey returns the wallet's private key.
func (w Wallet) PrivateKey() ed25519.PrivateKey { return w.key }

// PublicKey returns the wallet's public key.
func (w Wallet) PublicKey() ed25519.PublicKey { return w.key.Public().(ed25519.PublicKey) }

// KeyHex returns the public key in lower-case hex, as transactions carry it.
func (w Wallet) KeyHex() string { return hex.EncodeToString(w.PublicKey()) }

// Address returns the wallet's address.
func (w Wallet) Address() string { return AddressFromKey(w.PublicKey()) }

// AddressFromKey returns the address of an Ed25519 public key.
func AddressFromKey(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	body := hex.EncodeToString(sum[:addressBodyBytes])
	return AddressPrefix + body + addressChecksum(body)
}

// AddressFromKeyHex returns the address of a hex public key.
func AddressFromKeyHex(pubHex string) (string, error) {
	pub, err := parseKey(pubHex)
	if err != nil {
		return "", err
	}
	return AddressFromKey(pub), nil
}

func addressChecksum(body string) string {
	sum := sha256.Sum256([]byte(addressTag + "\n" + body))
	return hex.EncodeToString(sum[:addressSumBytes])
}

// ParseAddress checks an address typed or pasted by a person and returns its
// canonical (lower-case) form. Upper-case input is accepted, so an address
// read from an upper-case QR code works. A single mistyped digit fails the
// checksum (ErrAddressChecksum); a wrong prefix, length or character fails
// with ErrAddress.
func ParseAddress(s string) (string, error) {
	if len(s) != AddressLen {
		return "", fmt.Errorf("%w: %q has %d characters, want %d", ErrAddress, clip(s), len(s), AddressLen)
	}
	lower := asciiLower(s)
	if !strings.HasPrefix(lower, AddressPrefix) {
		return "", fmt.Errorf("%w: %q does not start with %q", ErrAddress, s, AddressPrefix)
	}
	rest := lower[len(AddressPrefix):]
	if !isLowerHex(rest) {
		return "", fmt.Errorf("%w: %q has a character that is not a hex digit", ErrAddress, s)
	}
	body, sum := rest[:2*addressBodyBytes], rest[2*addressBodyBytes:]
	if want := addressChecksum(body); sum != want {
		return "", fmt.Errorf("%w: %q: check the address for a typing error", ErrAddressChecksum, s)
	}
	return lower, nil
}

// asciiLower lower-cases the ASCII letters of s and leaves other bytes alone.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// isLowerHex reports whether s is non-empty lower-case hex of even length.
func isLowerHex(s string) bool {
	if len(s) == 0 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseKey decodes a lower-case hex Ed25519 public key.
func parseKey(s string) (ed25519.PublicKey, error) {
	if len(s) != 2*ed25519.PublicKeySize || !isLowerHex(s) {
		return nil, fmt.Errorf("%w: public key must be %d lower-case hex digits", ErrKey, 2*ed25519.PublicKeySize)
	}
	b, _ := hex.DecodeString(s)
	return ed25519.PublicKey(b), nil
}
