package msp

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// Limits of the MSP's signed messages.
const (
	maxAddr   = 256
	maxSkew   = 5 * time.Minute
	maxExpiry = 366 * 24 * time.Hour
)

// IssueCredential returns the operator's enrolment of the node with the
// given keys (hex), valid until expires.
func IssueCredential(op ed25519.PrivateKey, chainID, signKey, netKey string, expires time.Time) (client.Credential, error) {
	c := client.Credential{Operator: hex.EncodeToString(op.Public().(ed25519.PublicKey)), Expires: expires.Unix()}
	b, err := client.EnrolSigningBytes(chainID, signKey, netKey, c.Operator, c.Expires)
	if err != nil {
		return client.Credential{}, err
	}
	c.Sig = hex.EncodeToString(ed25519.Sign(op, b))
	return c, nil
}

// NodeIdentity is what a node needs to build its join request.
type NodeIdentity struct {
	SignSeed [32]byte           // the replica's ML-DSA-65 seed (node.NodeKeys.SignSeed)
	NetKey   ed25519.PrivateKey // its transport key
	Addr     string
	API      string
}

// NewJoinRequest builds, signs and stamps a join request. It mines the PoW
// stamp, which takes about 2^difficulty hashes; ctx stops it.
func NewJoinRequest(ctx context.Context, id NodeIdentity, chainID string, cred client.Credential, now time.Time, difficulty uint8) (*client.JoinRequest, error) {
	signer, pub := pbft.NewMLDSASigner(id.SignSeed)
	r := &client.JoinRequest{ChainID: chainID, SignKey: hex.EncodeToString(pub), NetKey: hex.EncodeToString(id.NetKey.Public().(ed25519.PublicKey)),
		Addr: id.Addr, API: id.API, Time: now.Unix(), Credential: cred}
	b, err := r.SigningBytes()
	if err != nil {
		return nil, err
	}
	r.Sig = hex.EncodeToString(signer.Sign(b))
	data, err := r.PoWData()
	if err != nil {
		return nil, err
	}
	if r.PoW, err = chain.MineBytes(ctx, data, difficulty); err != nil {
		return nil, err
	}
	return r, nil
}

// joinCheck is what verifyJoin checks a request against.
type joinCheck struct {
	chainID    string
	difficulty uint8
	operators  map[string]bool // hex Ed25519 keys
	now        time.Time
}

func hexKey(field, s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != size || hex.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s must be %d bytes in lower-case hex", ErrMalformed, field, size)
	}
	return b, nil
}

// verifyJoin checks a join request's form, credential, signature and stamp.
// It does not look at state (replays, keys in use): the caller does.
func verifyJoin(r *client.JoinRequest, c joinCheck) error {
	if r.ChainID != c.chainID {
		return fmt.Errorf("%w: chain_id %q, this MSP serves %q", ErrMalformed, clip(r.ChainID), c.chainID)
	}
	signKey, err := hexKey("sign_key", r.SignKey, mldsa65.PublicKeySize)
	if err != nil {
		return err
	}
	if _, err := hexKey("net_key", r.NetKey, ed25519.PublicKeySize); err != nil {
		return err
	}
	if err := checkHostPort("addr", r.Addr); err != nil {
		return err
	}
	if u, err := url.Parse(r.API); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(r.API) > maxAddr {
		return fmt.Errorf("%w: api %q must be an http(s) base URL", ErrMalformed, clip(r.API))
	}
	t := time.Unix(r.Time, 0)
	if t.Before(c.now.Add(-maxSkew)) || t.After(c.now.Add(maxSkew)) {
		return fmt.Errorf("%w: time %s is more than %v from the MSP's clock %s; check the node's clock", ErrStale, t.UTC().Format(time.RFC3339), maxSkew, c.now.UTC().Format(time.RFC3339))
	}
	// The credential: an operator enrolled exactly these keys.
	cr := r.Credential
	opKey, err := hexKey("credential.operator", cr.Operator, ed25519.PublicKeySize)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadCredential, err)
	}
	if !c.operators[cr.Operator] {
		return fmt.Errorf("%w: %s is not an operator key of this MSP", ErrBadCredential, cr.Operator)
	}
	if exp := time.Unix(cr.Expires, 0); !exp.After(c.now) {
		return fmt.Errorf("%w: expired at %s; ask the operator for a new one", ErrBadCredential, exp.UTC().Format(time.RFC3339))
	} else if exp.After(c.now.Add(maxExpiry)) {
		return fmt.Errorf("%w: expiry %s is more than a year ahead", ErrBadCredential, exp.UTC().Format(time.RFC3339))
	}
	eb, err := client.EnrolSigningBytes(r.ChainID, r.SignKey, r.NetKey, cr.Operator, cr.Expires)
	if err != nil {
		return err
	}
	if sig, err := hex.DecodeString(cr.Sig); err != nil || !ed25519.Verify(opKey, eb, sig) {
		return fmt.Errorf("%w: the operator's signature does not match these keys", ErrBadCredential)
	}
	// The node's own signature, with the key that will sign its votes.
	sb, err := r.SigningBytes()
	if err != nil {
		return err
	}
	sig, err := hex.DecodeString(r.Sig)
	if err != nil || !(&pbft.MLDSAVerifier{}).Verify(signKey, sb, sig) {
		return fmt.Errorf("%w: the join request is not signed by sign_key", ErrBadSignature)
	}
	data, err := r.PoWData()
	if err != nil {
		return err
	}
	if !chain.StampOK(data, r.PoW, c.difficulty) {
		return fmt.Errorf("%w: the stamp needs %d leading zero bits; mine it with the chain's difficulty", ErrPoW, c.difficulty)
	}
	return nil
}

func checkHostPort(field, s string) error {
	if len(s) > maxAddr {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrMalformed, field, maxAddr)
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		return fmt.Errorf("%w: %s %q is not host:port", ErrMalformed, field, clip(s))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
