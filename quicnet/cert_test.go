package quicnet

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
)

// testKey returns a deterministic Ed25519 key for name.
func testKey(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("quicnet test key " + name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func TestSelfSignedCert(t *testing.T) {
	priv := testKey("a")
	c1, err := SelfSignedCert(priv)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := SelfSignedCert(priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c1.Certificate[0], c2.Certificate[0]) {
		t.Error("certificate is not deterministic")
	}
	key, err := peerCertKey(tls.ConnectionState{PeerCertificates: []*x509.Certificate{c1.Leaf}})
	if err != nil {
		t.Fatal(err)
	}
	if !key.Equal(priv.Public()) {
		t.Error("certificate key is not the transport key")
	}
	if err := c1.Leaf.CheckSignature(c1.Leaf.SignatureAlgorithm, c1.Leaf.RawTBSCertificate, c1.Leaf.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	other, _ := SelfSignedCert(testKey("b"))
	if bytes.Equal(c1.Certificate[0], other.Certificate[0]) {
		t.Error("two keys gave the same certificate")
	}
}

func TestSelfSignedCertBadKey(t *testing.T) {
	for _, k := range []ed25519.PrivateKey{nil, make(ed25519.PrivateKey, 31), make(ed25519.PrivateKey, 65)} {
		if _, err := SelfSignedCert(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("key of %d bytes: err %v, want ErrInvalidKey", len(k), err)
		}
	}
}

func TestPeerCertKeyRejects(t *testing.T) {
	if _, err := peerCertKey(tls.ConnectionState{}); !errors.Is(err, ErrNotMember) {
		t.Errorf("no certificate: err %v", err)
	}
}
