package node

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

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

func (k NodeKeys) member(id uint64, addr, api string) genesis.Member {
	_, pub := pbft.NewMLDSASigner(k.SignSeed)
	return genesis.Member{ID: id, SignKey: hex.EncodeToString(pub), NetKey: hex.EncodeToString(k.NetKey.Public().(ed25519.PublicKey)), Addr: addr, API: api}
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
	Genesis     *genesis.Genesis
	GenesisPath string
	ConfigPaths []string // per replica, index i is replica ID i+1
	// Role keys (Ed25519) as wallets: Operator and MSP sign config
	// changes, Attester attests career records, Payment signs receipts,
	// Credential signs the Verifiable Credentials the portal exports.
	Operator, MSP, Attester, Payment, Credential chain.Wallet
}

// GenerateTestnet writes a chain of n replicas under dir: genesis.json,
// keys/{operator,msp,attester,payment,credential}.key (hex Ed25519 seeds), and for
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
	}{{"operator", &tn.Operator}, {"msp", &tn.MSP}, {"attester", &tn.Attester}, {"payment", &tn.Payment}, {"credential", &tn.Credential}}
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
	g := &genesis.Genesis{ChainID: o.ChainID, Time: o.Time, Config: genesis.ChainConfig{
		PoWDifficulty:     o.PoWDifficulty,
		Attesters:         []string{tn.Attester.KeyHex()},
		PaymentIssuers:    []string{tn.Payment.KeyHex()},
		ConfigSigners:     []string{tn.Operator.KeyHex(), tn.MSP.KeyHex()},
		CredentialIssuers: []string{tn.Credential.KeyHex()},
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
