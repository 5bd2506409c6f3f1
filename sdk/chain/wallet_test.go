package chain

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

func TestWallet(t *testing.T) {
	seed := testSeed("wallet")
	w1, err := NewWallet(bytes.NewReader(seed))
	if err != nil {
		t.Fatal(err)
	}
	w2, err := WalletFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if w1.Address() != w2.Address() || !bytes.Equal(w1.Seed(), seed) {
		t.Fatal("NewWallet and WalletFromSeed disagree on one seed")
	}
	if got := AddressFromKey(w1.PublicKey()); got != w1.Address() {
		t.Fatalf("AddressFromKey = %s, want %s", got, w1.Address())
	}
	a := w1.Address()
	if len(a) != AddressLen || !strings.HasPrefix(a, AddressPrefix) {
		t.Fatalf("address %q has the wrong form", a)
	}
	if got, err := ParseAddress(a); err != nil || got != a {
		t.Fatalf("ParseAddress(own address) = %q, %v", got, err)
	}
	if other := testWallet(t, "other"); other.Address() == a {
		t.Fatal("two seeds give one address")
	}
	msg := []byte("m")
	if !ed25519.Verify(w1.PublicKey(), msg, ed25519.Sign(w1.PrivateKey(), msg)) {
		t.Fatal("wallet keys do not pair")
	}
}

func TestWalletErrors(t *testing.T) {
	if _, err := NewWallet(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatal("NewWallet with a short reader succeeded")
	}
	if _, err := WalletFromSeed(make([]byte, 64)); !errors.Is(err, ErrKey) {
		t.Fatalf("WalletFromSeed(64 bytes) = %v, want ErrKey", err)
	}
	if _, err := AddressFromKeyHex("ABCD"); !errors.Is(err, ErrKey) {
		t.Fatalf("AddressFromKeyHex(ABCD) = %v, want ErrKey", err)
	}
}

func TestParseAddress(t *testing.T) {
	good := testWallet(t, "holder").Address()
	tests := []struct {
		name string
		in   string
		want error // nil: accepted
		msg  string
	}{
		{"valid", good, nil, ""},
		{"upper case", strings.ToUpper(good), nil, ""},
		{"mistyped body", mistype(good), ErrAddressChecksum, "chain: address checksum mismatch: "},
		{"mistyped checksum", good[:AddressLen-1] + string("01"[boolInt(good[AddressLen-1] == '0')]), ErrAddressChecksum, "typing error"},
		{"swapped digits", swapFirstDiffering(good), ErrAddressChecksum, ""},
		{"empty", "", ErrAddress, "has 0 characters"},
		{"short", good[:AddressLen-1], ErrAddress, "want 51"},
		{"long", good + "0", ErrAddress, "want 51"},
		{"wrong prefix", "cc2" + good[3:], ErrAddress, `start with "cc1"`},
		{"no prefix", "0x" + good[2:], ErrAddress, "start with"},
		{"not hex", good[:10] + "g" + good[11:], ErrAddress, "not a hex digit"},
		{"non-ASCII", good[:10] + "é" + good[12:], ErrAddress, "not a hex digit"},
		{"space inside", good[:10] + " " + good[11:], ErrAddress, "not a hex digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			if tt.want == nil {
				if err != nil || got != good {
					t.Fatalf("ParseAddress = %q, %v; want %q", got, err, good)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("ParseAddress = %v, want %v mentioning %q", err, tt.want, tt.msg)
			}
		})
	}
}

// TestParseAddressEverySubstitution: every single-digit typing error in
// one address fails the checksum.
func TestParseAddressEverySubstitution(t *testing.T) {
	good := testWallet(t, "holder").Address()
	for i := len(AddressPrefix); i < AddressLen; i++ {
		for _, c := range hexDigits {
			if byte(c) == good[i] {
				continue
			}
			typo := good[:i] + string(c) + good[i+1:]
			if _, err := ParseAddress(typo); !errors.Is(err, ErrAddressChecksum) {
				t.Fatalf("ParseAddress(%s) = %v, want ErrAddressChecksum", typo, err)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func swapFirstDiffering(a string) string {
	b := []byte(a)
	for i := len(AddressPrefix); i+1 < len(b); i++ {
		if b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
	}
	panic("address with all digits equal")
}
