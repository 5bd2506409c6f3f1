package msp

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"github.com/careerchain/careerchain/sdk/client"
	"net/http"
	"strconv"
	"time"
)

// Admin authentication: the headers and signing bytes are the wire
// contract (sdk/client: client.HeaderKey, client.AdminSigningBytes, client.SignAdmin).

// adminAuth checks the headers of r against the operator keys and returns
// the replay key of the signature (to be recorded by the caller) and the
// operator key.
func adminAuth(r *http.Request, body []byte, operators map[string]bool, now time.Time) (replayKey [32]byte, op string, err error) {
	op = r.Header.Get(client.HeaderKey)
	if op == "" || r.Header.Get(client.HeaderSig) == "" || r.Header.Get(client.HeaderTime) == "" {
		return replayKey, "", fmt.Errorf("%w: admin calls need the %s, %s and %s headers (careerctl admin sets them)", ErrUnauthorized, client.HeaderKey, client.HeaderTime, client.HeaderSig)
	}
	key, err := hexKey(client.HeaderKey, op, ed25519.PublicKeySize)
	if err != nil || !operators[op] {
		return replayKey, "", fmt.Errorf("%w: %s is not an operator key", ErrUnauthorized, clip(op))
	}
	ts, err := strconv.ParseInt(r.Header.Get(client.HeaderTime), 10, 64)
	if err != nil {
		return replayKey, "", fmt.Errorf("%w: %s is not Unix seconds", ErrUnauthorized, client.HeaderTime)
	}
	if t := time.Unix(ts, 0); t.Before(now.Add(-maxSkew)) || t.After(now.Add(maxSkew)) {
		return replayKey, "", fmt.Errorf("%w: %s is more than %v from the MSP's clock", ErrUnauthorized, client.HeaderTime, maxSkew)
	}
	sig, err := hex.DecodeString(r.Header.Get(client.HeaderSig))
	if err != nil || !ed25519.Verify(key, client.AdminSigningBytes(r.Method, r.URL.Path, ts, body), sig) {
		return replayKey, "", fmt.Errorf("%w: bad signature", ErrUnauthorized)
	}
	return sha256.Sum256(sig), op, nil
}
