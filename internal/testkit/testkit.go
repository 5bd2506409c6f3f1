// Package testkit is the test scaffolding the packages' tests share:
// deterministic keys and wallets, signed career transactions, and free
// loopback addresses. It imports only sdk/chain and the standard library, so
// the tests of every package (node's own internal tests included) can use
// it without an import cycle. Nothing here is for production code.
//
// Keys derive from a domain and a label (Keys.Seed), so each package's tests
// have their own deterministic identities and a test reads as the people it
// is about: keys.Wallet(t, "holder 3").
package testkit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
)

// Keys derives deterministic key material under Domain.
type Keys struct{ Domain string }

// Seed is the 32-byte seed of label: SHA-256 of the domain, a space and
// the label (of the label alone when Domain is empty).
func (k Keys) Seed(label string) []byte {
	if k.Domain != "" {
		label = k.Domain + " " + label
	}
	s := sha256.Sum256([]byte(label))
	return s[:]
}

// Wallet is the wallet whose key derives from label.
func (k Keys) Wallet(t testing.TB, label string) chain.Wallet {
	t.Helper()
	w, err := chain.WalletFromSeed(k.Seed(label))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Replica returns replica i's network key (Ed25519, for the transport and
// votes) and its ML-DSA signing seed (certificates), as node.NodeKeys holds
// them.
func (k Keys) Replica(i int) (netKey ed25519.PrivateKey, signSeed [32]byte) {
	netKey = ed25519.NewKeyFromSeed(k.Seed(fmt.Sprintf("net %d", i)))
	copy(signSeed[:], k.Seed(fmt.Sprintf("sign %d", i)))
	return netKey, signSeed
}

// CareerTx builds a career.register by holder, paid (5000 KRW on the
// sandbox provider, payment id payID) and attested, with a PoW stamp of
// the given difficulty (0: none).
func CareerTx(t testing.TB, chainID string, holder, payment, attester chain.Wallet, nonce uint64, payID string, difficulty uint8) *chain.Tx {
	t.Helper()
	s := chain.NewStatement(holder, chainID, nonce, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2021-01-01", Skills: []string{"Go"}})
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(payment.PrivateKey(), chain.NewReceipt("sandbox", payID, 5000, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(attester.PrivateKey(), s, r, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	tx := chain.NewCareerTx(s, sig, r, a)
	if err := chain.Mine(context.Background(), tx, difficulty); err != nil {
		t.Fatal(err)
	}
	return tx
}

// Encode is chain.EncodeTx that fails the test on error.
func Encode(t testing.TB, tx *chain.Tx) []byte {
	t.Helper()
	b, err := chain.EncodeTx(tx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Listen opens a TCP listener on a free loopback port; the caller closes it
// (or hands it to a server that does).
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// FreeTCP returns a loopback TCP address that was free a moment ago.
func FreeTCP(t testing.TB) string {
	t.Helper()
	ln := Listen(t)
	defer ln.Close()
	return ln.Addr().String()
}

// FreeUDP returns a loopback UDP address that was free a moment ago (for
// QUIC).
func FreeUDP(t testing.TB) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}
