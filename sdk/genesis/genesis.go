// Package genesis defines a Careerchain chain's genesis: its id, its first
// membership, the chain configuration transactions are checked against,
// and its start time, with their JSON form (genesis.json), validation and
// hash. Replicas, the MSP and light clients read the same file through
// this package, so none of them needs to link the others.
//
// Invariants:
//   - Parse and Load decode strictly (no unknown fields, no trailing data)
//     and return only a genesis that Validate accepts.
//   - Hash is over the RFC 8785 canonical JSON with a domain tag, so every
//     implementation that reads the same file computes the same hash.
//   - The package holds no state and does no I/O but Load's one read.
package genesis

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// ErrInvalid reports a genesis that cannot start a chain: unreadable,
// malformed, or failing Validate. The wrapped message says which field.
var ErrInvalid = errors.New("genesis: bad genesis")

// MaxChainIDLen bounds a chain id.
const MaxChainIDLen = 64

// hashTag is the domain tag of Hash.
const hashTag = "careerchain/genesis/v1\n"

// ChainConfig is the part of the chain's configuration that transactions
// are checked against. The genesis sets it; config.change transactions
// update the PoW difficulty, the plugin set, the attesters, the payment
// issuers and the credential issuers (never the config signers). Keys are lower-case hex Ed25519
// public keys.
type ChainConfig struct {
	PoWDifficulty  uint8             `json:"pow_difficulty"`
	Attesters      []string          `json:"attesters"`
	PaymentIssuers []string          `json:"payment_issuers"`
	ConfigSigners  []string          `json:"config_signers"` // MSP and operator keys
	Plugins        []chain.PluginRef `json:"plugins,omitempty"`
	// CredentialIssuers sign the Verifiable Credentials exported from the
	// chain's records (sdk/vc). Omitted when empty, so a genesis without
	// them keeps its hash.
	CredentialIssuers []string `json:"credential_issuers,omitempty"`
}

// Params returns the stateless-check parameters of this configuration.
func (c *ChainConfig) Params(chainID string, maxTxBytes int) chain.Params {
	set := func(keys []string) map[string]bool {
		m := make(map[string]bool, len(keys))
		for _, k := range keys {
			m[k] = true
		}
		return m
	}
	return chain.Params{
		ChainID: chainID, PoWDifficulty: c.PoWDifficulty, MaxTxBytes: maxTxBytes,
		Attesters: set(c.Attesters), PaymentIssuers: set(c.PaymentIssuers), ConfigSigners: set(c.ConfigSigners),
	}
}

// Validate checks that every key is 64 lower-case hex digits and that the
// chain can be reconfigured (at least one config signer).
func (c *ChainConfig) Validate() error {
	for _, list := range [][]string{c.Attesters, c.PaymentIssuers, c.ConfigSigners, c.CredentialIssuers} {
		for _, k := range list {
			if !IsKeyHex(k) {
				return fmt.Errorf("%w: key %q is not 64 lower-case hex digits", ErrInvalid, k)
			}
		}
	}
	if len(c.ConfigSigners) == 0 {
		return fmt.Errorf("%w: no config signers: the chain could never be reconfigured", ErrInvalid)
	}
	return nil
}

// IsKeyHex reports whether k is an Ed25519 public key in lower-case hex.
func IsKeyHex(k string) bool {
	b, err := hex.DecodeString(k)
	return err == nil && len(b) == ed25519.PublicKeySize && hex.EncodeToString(b) == k
}

// Member is one replica of the genesis membership.
type Member struct {
	ID      uint64 `json:"id"`
	SignKey string `json:"sign_key"` // hex ML-DSA-65 public key (commit certificates)
	NetKey  string `json:"net_key"`  // hex Ed25519 public key (QUIC transport)
	Addr    string `json:"addr"`     // replica transport address host:port
	API     string `json:"api"`      // client API base URL, e.g. http://127.0.0.1:8401
}

// Genesis defines a chain: its id, first membership, configuration and
// start time. Its hash (Hash) is stored in every replica's ledger, so a
// replica never opens another chain's data.
type Genesis struct {
	ChainID string      `json:"chain_id"`
	Time    time.Time   `json:"time"`
	Members []Member    `json:"members"`
	Config  ChainConfig `json:"config"`
}

// Membership returns the pBFT membership (epoch 0) the genesis names,
// members sorted by ID.
func (g *Genesis) Membership() (*pbft.Membership, error) {
	m := &pbft.Membership{}
	for _, gm := range g.Members {
		sk, err := hex.DecodeString(gm.SignKey)
		if err != nil {
			return nil, fmt.Errorf("%w: member %d sign_key: %w", ErrInvalid, gm.ID, err)
		}
		nk, err := hex.DecodeString(gm.NetKey)
		if err != nil || len(nk) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: member %d net_key is not a hex Ed25519 key", ErrInvalid, gm.ID)
		}
		m.Members = append(m.Members, pbft.Member{ID: gm.ID, SignKey: sk, NetKey: nk, Addr: gm.Addr, API: gm.API})
	}
	slices.SortFunc(m.Members, func(a, b pbft.Member) int { return cmp.Compare(a.ID, b.ID) })
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return m, nil
}

// Validate checks that the genesis can start a chain.
func (g *Genesis) Validate() error {
	if g.ChainID == "" || len(g.ChainID) > MaxChainIDLen {
		return fmt.Errorf("%w: chain_id must be 1..%d bytes", ErrInvalid, MaxChainIDLen)
	}
	if _, err := g.Membership(); err != nil {
		return err
	}
	return g.Config.Validate()
}

// Hash is the SHA-256 of the genesis's canonical JSON (RFC 8785) after the
// domain tag "careerchain/genesis/v1\n".
func (g *Genesis) Hash() ([32]byte, error) {
	b, err := chain.Canonical(g)
	if err != nil {
		return [32]byte{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return sha256.Sum256(append([]byte(hashTag), b...)), nil
}

// Parse decodes a genesis file strictly and validates it.
func Parse(b []byte) (*Genesis, error) {
	var g Genesis
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the JSON value", ErrInvalid)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Load reads and parses the genesis file at path.
func Load(path string) (*Genesis, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	g, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}
