package node

import (
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// ChainConfig is the part of the chain's configuration that transactions
// are checked against. The genesis sets it; config.change transactions
// update the PoW difficulty, the plugin set, the attesters and the payment
// issuers (never the config signers). Keys are lower-case hex Ed25519
// public keys.
type ChainConfig struct {
	PoWDifficulty  uint8             `json:"pow_difficulty"`
	Attesters      []string          `json:"attesters"`
	PaymentIssuers []string          `json:"payment_issuers"`
	ConfigSigners  []string          `json:"config_signers"` // MSP and operator keys
	Plugins        []chain.PluginRef `json:"plugins,omitempty"`
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

func (c *ChainConfig) validate() error {
	for _, list := range [][]string{c.Attesters, c.PaymentIssuers, c.ConfigSigners} {
		for _, k := range list {
			if b, err := hex.DecodeString(k); err != nil || len(b) != ed25519.PublicKeySize || hex.EncodeToString(b) != k {
				return fmt.Errorf("%w: key %q is not 64 lower-case hex digits", ErrBadGenesis, k)
			}
		}
	}
	if len(c.ConfigSigners) == 0 {
		return fmt.Errorf("%w: no config signers: the chain could never be reconfigured", ErrBadGenesis)
	}
	return nil
}

// maxChainIDLen bounds a chain id.
const maxChainIDLen = 64

// GenesisMember is one replica of the genesis membership.
type GenesisMember struct {
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
	ChainID string          `json:"chain_id"`
	Time    time.Time       `json:"time"`
	Members []GenesisMember `json:"members"`
	Config  ChainConfig     `json:"config"`
}

// Membership returns the pBFT membership (epoch 0) the genesis names.
func (g *Genesis) Membership() (*pbft.Membership, error) {
	m := &pbft.Membership{}
	for _, gm := range g.Members {
		sk, err := hex.DecodeString(gm.SignKey)
		if err != nil {
			return nil, fmt.Errorf("%w: member %d sign_key: %w", ErrBadGenesis, gm.ID, err)
		}
		nk, err := hex.DecodeString(gm.NetKey)
		if err != nil || len(nk) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: member %d net_key is not a hex Ed25519 key", ErrBadGenesis, gm.ID)
		}
		m.Members = append(m.Members, pbft.Member{ID: gm.ID, SignKey: sk, NetKey: nk, Addr: gm.Addr, API: gm.API})
	}
	slices.SortFunc(m.Members, func(a, b pbft.Member) int { return cmp.Compare(a.ID, b.ID) })
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadGenesis, err)
	}
	return m, nil
}

// Validate checks that the genesis can start a chain.
func (g *Genesis) Validate() error {
	if g.ChainID == "" || len(g.ChainID) > maxChainIDLen {
		return fmt.Errorf("%w: chain_id must be 1..%d bytes", ErrBadGenesis, maxChainIDLen)
	}
	if _, err := g.Membership(); err != nil {
		return err
	}
	return g.Config.validate()
}

// Hash is the SHA-256 of the genesis's canonical JSON (RFC 8785).
func (g *Genesis) Hash() ([32]byte, error) {
	b, err := chain.Canonical(g)
	if err != nil {
		return [32]byte{}, fmt.Errorf("%w: %w", ErrBadGenesis, err)
	}
	return sha256.Sum256(append([]byte("careerchain/genesis/v1\n"), b...)), nil
}

// LoadGenesis reads and validates a genesis file.
func LoadGenesis(path string) (*Genesis, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadGenesis, err)
	}
	var g Genesis
	if err := StrictJSON(b, &g); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadGenesis, path, err)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// NodeKeys are a replica's secret keys: the 32-byte ML-DSA-65 seed of its
// consensus signing key and the Ed25519 key of its transport.
type NodeKeys struct {
	SignSeed [32]byte
	NetKey   ed25519.PrivateKey
}

type nodeKeysFile struct {
	SignSeed string `json:"sign_seed"`
	NetSeed  string `json:"net_seed"`
}

// LoadNodeKeys reads a key file written by GenerateTestnet.
func LoadNodeKeys(path string) (NodeKeys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return NodeKeys{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	var f nodeKeysFile
	if err := StrictJSON(b, &f); err != nil {
		return NodeKeys{}, fmt.Errorf("%w: key file %s: %w", ErrBadConfig, path, err)
	}
	ss, err1 := hex.DecodeString(f.SignSeed)
	ns, err2 := hex.DecodeString(f.NetSeed)
	if err1 != nil || err2 != nil || len(ss) != 32 || len(ns) != ed25519.SeedSize {
		return NodeKeys{}, fmt.Errorf("%w: key file %s: seeds must be 64 hex digits", ErrBadConfig, path)
	}
	k := NodeKeys{NetKey: ed25519.NewKeyFromSeed(ns)}
	copy(k.SignSeed[:], ss)
	return k, nil
}

func (k NodeKeys) member(id uint64, addr, api string) GenesisMember {
	_, pub := pbft.NewMLDSASigner(k.SignSeed)
	return GenesisMember{ID: id, SignKey: hex.EncodeToString(pub), NetKey: hex.EncodeToString(k.NetKey.Public().(ed25519.PublicKey)), Addr: addr, API: api}
}

// TestnetOptions configures GenerateTestnet. Zero values take defaults.
type TestnetOptions struct {
	ChainID       string    // default "careerchain-dev"
	Host          string    // default 127.0.0.1
	BasePort      int       // replica i listens on BasePort+i (QUIC) and BasePort+100+i (API); default 7400
	PoWDifficulty uint8     // default 0
	Time          time.Time // default now
	Rand          io.Reader // default crypto/rand
	TickInterval  time.Duration
	// Plugins pins Wasm plugins in the genesis chain config (see PluginRefs);
	// payment plugins get a config naming the testnet's payment key.
	PluginDir string
	Fee       int64  // payment plugins' fee, default 10000
	Currency  string // default "KRW"
}

// Testnet is what GenerateTestnet wrote.
type Testnet struct {
	Genesis     *Genesis
	GenesisPath string
	ConfigPaths []string // per replica, index i is replica ID i+1
	// Role keys (Ed25519) as wallets: Operator and MSP sign config
	// changes, Attester attests career records, Payment signs receipts.
	Operator, MSP, Attester, Payment chain.Wallet
}

// GenerateTestnet writes a chain of n replicas under dir: genesis.json,
// keys/{operator,msp,attester,payment}.key (hex Ed25519 seeds), and for
// each replica nodeI/node.key and nodeI/config.json (load it with
// LoadConfig). It refuses to overwrite an existing genesis.
func GenerateTestnet(dir string, n int, o TestnetOptions) (*Testnet, error) {
	if n < 1 || n > 100 {
		return nil, fmt.Errorf("%w: %d replicas, want 1..100", ErrBadConfig, n)
	}
	if o.ChainID == "" {
		o.ChainID = "careerchain-dev"
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.BasePort == 0 {
		o.BasePort = 7400
	}
	if o.Time.IsZero() {
		o.Time = time.Now().UTC().Truncate(time.Second)
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	gpath := filepath.Join(dir, "genesis.json")
	if _, err := os.Stat(gpath); err == nil {
		return nil, fmt.Errorf("%w: %s exists; remove it or choose another directory", ErrBadConfig, gpath)
	}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		return nil, err
	}
	tn := &Testnet{GenesisPath: gpath}
	roles := []struct {
		name string
		w    *chain.Wallet
	}{{"operator", &tn.Operator}, {"msp", &tn.MSP}, {"attester", &tn.Attester}, {"payment", &tn.Payment}}
	for _, r := range roles {
		w, err := chain.NewWallet(o.Rand)
		if err != nil {
			return nil, err
		}
		*r.w = w
		if err := os.WriteFile(filepath.Join(dir, "keys", r.name+".key"), []byte(hex.EncodeToString(w.Seed())+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	g := &Genesis{ChainID: o.ChainID, Time: o.Time, Config: ChainConfig{
		PoWDifficulty:  o.PoWDifficulty,
		Attesters:      []string{tn.Attester.KeyHex()},
		PaymentIssuers: []string{tn.Payment.KeyHex()},
		ConfigSigners:  []string{tn.Operator.KeyHex(), tn.MSP.KeyHex()},
	}}
	if o.PluginDir != "" {
		if o.Fee == 0 {
			o.Fee = 10000
		}
		if o.Currency == "" {
			o.Currency = "KRW"
		}
		pc, _ := json.Marshal(map[string]any{"issuers": []string{tn.Payment.KeyHex()}, "amount": o.Fee, "currency": o.Currency})
		refs, err := PluginRefs(o.PluginDir, string(pc))
		if err != nil {
			return nil, err
		}
		g.Config.Plugins = refs
	}
	for i := 1; i <= n; i++ {
		var seeds [64]byte
		if _, err := io.ReadFull(o.Rand, seeds[:]); err != nil {
			return nil, err
		}
		k := NodeKeys{NetKey: ed25519.NewKeyFromSeed(seeds[32:])}
		copy(k.SignSeed[:], seeds[:32])
		addr := fmt.Sprintf("%s:%d", o.Host, o.BasePort+i)
		api := fmt.Sprintf("%s:%d", o.Host, o.BasePort+100+i)
		g.Members = append(g.Members, k.member(uint64(i), addr, "http://"+api))
		ndir := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(ndir, 0o700); err != nil {
			return nil, err
		}
		kf, _ := json.MarshalIndent(nodeKeysFile{SignSeed: hex.EncodeToString(seeds[:32]), NetSeed: hex.EncodeToString(seeds[32:])}, "", "  ")
		if err := os.WriteFile(filepath.Join(ndir, "node.key"), append(kf, '\n'), 0o600); err != nil {
			return nil, err
		}
		fc := FileConfig{ID: uint64(i), DataDir: "data", Genesis: "../genesis.json", KeyFile: "node.key",
			Listen: addr, APIListen: api}
		if o.TickInterval > 0 {
			fc.Tick = o.TickInterval.String()
		}
		cb, _ := json.MarshalIndent(fc, "", "  ")
		cpath := filepath.Join(ndir, "config.json")
		if err := os.WriteFile(cpath, append(cb, '\n'), 0o600); err != nil {
			return nil, err
		}
		tn.ConfigPaths = append(tn.ConfigPaths, cpath)
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	gb, _ := json.MarshalIndent(g, "", "  ")
	if err := os.WriteFile(gpath, append(gb, '\n'), 0o644); err != nil {
		return nil, err
	}
	tn.Genesis = g
	return tn, nil
}
