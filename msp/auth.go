package msp

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Admin authentication. An admin call carries three headers:
//
//	X-Careerchain-Key   hex Ed25519 public key of an operator
//	X-Careerchain-Time  Unix seconds, within 5 minutes of the MSP's clock
//	X-Careerchain-Sig   hex signature over AdminSigningBytes
//
// The MSP keeps every signature it accepted until it is too old to pass the
// time check, so a captured call cannot be replayed.
const (
	HeaderKey  = "X-Careerchain-Key"
	HeaderTime = "X-Careerchain-Time"
	HeaderSig  = "X-Careerchain-Sig"
)

// AdminSigningBytes are the bytes an operator signs for one admin call.
func AdminSigningBytes(method, path string, unix int64, body []byte) []byte {
	sum := sha256.Sum256(body)
	return fmt.Appendf(nil, "%s%s\n%s\n%d\n%x", tagAdmin, method, path, unix, sum)
}

// SignAdmin sets the authentication headers of an admin request whose body
// is body.
func SignAdmin(req *http.Request, op ed25519.PrivateKey, body []byte, now time.Time) {
	ts := now.Unix()
	req.Header.Set(HeaderKey, hex.EncodeToString(op.Public().(ed25519.PublicKey)))
	req.Header.Set(HeaderTime, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSig, hex.EncodeToString(ed25519.Sign(op, AdminSigningBytes(req.Method, req.URL.Path, ts, body))))
}

// adminAuth checks the headers of r against the operator keys and returns
// the replay key of the signature (to be recorded by the caller) and the
// operator key.
func adminAuth(r *http.Request, body []byte, operators map[string]bool, now time.Time) (replayKey [32]byte, op string, err error) {
	op = r.Header.Get(HeaderKey)
	if op == "" || r.Header.Get(HeaderSig) == "" || r.Header.Get(HeaderTime) == "" {
		return replayKey, "", fmt.Errorf("%w: admin calls need the %s, %s and %s headers (careerctl admin sets them)", ErrUnauthorized, HeaderKey, HeaderTime, HeaderSig)
	}
	key, err := hexKey(HeaderKey, op, ed25519.PublicKeySize)
	if err != nil || !operators[op] {
		return replayKey, "", fmt.Errorf("%w: %s is not an operator key", ErrUnauthorized, clip(op))
	}
	ts, err := strconv.ParseInt(r.Header.Get(HeaderTime), 10, 64)
	if err != nil {
		return replayKey, "", fmt.Errorf("%w: %s is not Unix seconds", ErrUnauthorized, HeaderTime)
	}
	if t := time.Unix(ts, 0); t.Before(now.Add(-maxSkew)) || t.After(now.Add(maxSkew)) {
		return replayKey, "", fmt.Errorf("%w: %s is more than %v from the MSP's clock", ErrUnauthorized, HeaderTime, maxSkew)
	}
	sig, err := hex.DecodeString(r.Header.Get(HeaderSig))
	if err != nil || !ed25519.Verify(key, AdminSigningBytes(r.Method, r.URL.Path, ts, body), sig) {
		return replayKey, "", fmt.Errorf("%w: bad signature", ErrUnauthorized)
	}
	return sha256.Sum256(sig), op, nil
}
