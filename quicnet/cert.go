package quicnet

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"
)

// SelfSignedCert returns a TLS certificate whose key is priv, signed by priv
// itself. It is deterministic: the same key always gives the same
// certificate (Ed25519 signatures are deterministic and the serial number is
// derived from the public key). The validity period is fixed and wide because
// peers never check it: a certificate is trusted only because its key is a
// member, which each side checks against the current membership.
func SelfSignedCert(priv ed25519.PrivateKey) (tls.Certificate, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return tls.Certificate{}, fmt.Errorf("%w: private key is %d bytes, want %d",
			ErrInvalidKey, len(priv), ed25519.PrivateKeySize)
	}
	pub := priv.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(sum[:16]),
		Subject:      pkix.Name{CommonName: "careerchain replica " + hex.EncodeToString(pub[:8])},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, pub, priv)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("quicnet: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("quicnet: parse certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, nil
}

// peerCertKey returns the Ed25519 key of the peer's leaf certificate. The TLS
// handshake has already proved that the peer holds the matching private key
// (CertificateVerify), so the key is the peer's authenticated identity.
func peerCertKey(cs tls.ConnectionState) (ed25519.PublicKey, error) {
	if len(cs.PeerCertificates) == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrNotMember)
	}
	key, ok := cs.PeerCertificates[0].PublicKey.(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: certificate key is %T, want Ed25519", ErrNotMember, cs.PeerCertificates[0].PublicKey)
	}
	return key, nil
}

// keyString is a short printable form of a key for logs.
func keyString(k ed25519.PublicKey) string {
	if len(k) < 8 {
		return hex.EncodeToString(k)
	}
	return hex.EncodeToString(k[:8])
}
