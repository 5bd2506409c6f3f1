package msp

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/careerchain/careerchain/internal/configfile"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// FileConfig is the JSON form of the MSP's config file. Relative paths are
// resolved against the file's directory.
type FileConfig struct {
	Genesis       string   `json:"genesis"`
	KeyFile       string   `json:"key_file"`      // hex Ed25519 seed (keys/msp.key of a testnet)
	OperatorKeys  []string `json:"operator_keys"` // hex Ed25519 public keys
	DB            string   `json:"db"`
	Listen        string   `json:"listen"`
	Replicas      []string `json:"replicas,omitempty"`
	PollInterval  string   `json:"poll_interval,omitempty"` // Go duration
	MaxMisses     int      `json:"max_misses,omitempty"`
	MinMembers    int      `json:"min_members,omitempty"`
	TargetMembers int      `json:"target_members,omitempty"`
	AutoPromote   bool     `json:"auto_promote,omitempty"`
	NoAutoRemove  bool     `json:"no_auto_remove,omitempty"`
}

// LoadConfig reads an MSP config file with its genesis and key file.
func LoadConfig(path string) (Config, error) {
	var fc FileConfig
	rel, err := configfile.Read(path, &fc)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	cfg := Config{OperatorKeys: fc.OperatorKeys, DBPath: rel(fc.DB), ListenAddr: fc.Listen, Replicas: fc.Replicas,
		MaxMisses: fc.MaxMisses, MinMembers: fc.MinMembers, TargetMembers: fc.TargetMembers, AutoPromote: fc.AutoPromote, NoAutoRemove: fc.NoAutoRemove}
	if fc.PollInterval != "" {
		if cfg.PollInterval, err = time.ParseDuration(fc.PollInterval); err != nil || cfg.PollInterval <= 0 {
			return Config{}, fmt.Errorf("%w: %s: poll_interval %q is not a positive duration like \"1s\"", ErrBadConfig, path, fc.PollInterval)
		}
	}
	if cfg.Genesis, err = genesis.Load(rel(fc.Genesis)); err != nil {
		return Config{}, err
	}
	if cfg.Key, err = LoadKey(rel(fc.KeyFile)); err != nil {
		return Config{}, err
	}
	return cfg, cfg.withDefaults().validate()
}

// LoadKey reads a hex Ed25519 seed file (as GenerateTestnet writes them).
func LoadKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: %s must hold a 32-byte Ed25519 seed in hex", ErrBadConfig, path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// TestnetConfig builds the MSP's config for a directory written by
// node.GenerateTestnet (careerd init / dev): its genesis, keys/msp.key as
// the MSP key, keys/operator.key's public key as the operator, the store
// at dir/msp/msp.db, serving on listen.
func TestnetConfig(dir, listen string) (Config, error) {
	g, err := genesis.Load(filepath.Join(dir, "genesis.json"))
	if err != nil {
		return Config{}, err
	}
	key, err := LoadKey(filepath.Join(dir, "keys", "msp.key"))
	if err != nil {
		return Config{}, err
	}
	op, err := LoadKey(filepath.Join(dir, "keys", "operator.key"))
	if err != nil {
		return Config{}, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "msp"), 0o700); err != nil {
		return Config{}, err
	}
	cfg := Config{Genesis: g, Key: key, OperatorKeys: []string{hex.EncodeToString(op.Public().(ed25519.PublicKey))},
		DBPath: filepath.Join(dir, "msp", "msp.db"), ListenAddr: listen}
	return cfg, cfg.withDefaults().validate()
}
