package msp

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Config configures a Service. Zero values take the defaults of
// withDefaults. Only cmd/ reads files (see LoadConfig).
type Config struct {
	Genesis      *genesis.Genesis
	Key          ed25519.PrivateKey // the MSP's config-signing key; the genesis must list it in config_signers
	OperatorKeys []string           // hex Ed25519 keys that may enrol nodes and call the admin API
	DBPath       string             // bbolt file

	ListenAddr string       // where Run serves the API; "" serves nothing (mount Handler yourself)
	Listener   net.Listener // used instead of ListenAddr if set
	Replicas   []string     // API base URLs to start from; default: the genesis members'

	PollInterval   time.Duration // status polls and reconciliation, default 1 s
	MaxMisses      int           // consecutive missed polls before a member is removed, default 5
	MinMembers     int           // never remove below this size, default 4
	TargetMembers  int           // members wanted; 0 = every admitted node becomes a member
	AutoPromote    bool          // promote standbys to keep TargetMembers
	NoAutoRemove   bool          // only the operator removes members
	CatchUpSlack   uint64        // a joining node is added once within this many blocks of the chain, default 64
	PoWDifficulty  *uint8        // join stamp and config tx difficulty; nil: the genesis's
	RequestTimeout time.Duration // one status poll, default 2 s
	SubmitTimeout  time.Duration // one submission's wait for its commit, default 20 s

	// HTTP sets the API server's timeouts and per-client connection
	// bound (httpkit defaults; WriteTimeout defaults to 2 minutes, the
	// wait careerctl admin allows an admin call that settles a
	// membership change and commits it).
	HTTP httpkit.Options

	Logger     *slog.Logger
	HTTPClient *http.Client     // default: no redirects followed, no overall timeout (contexts bound calls)
	Now        func() time.Time // default time.Now
}

func (c Config) withDefaults() Config {
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.MaxMisses <= 0 {
		c.MaxMisses = 5
	}
	if c.MinMembers <= 0 {
		c.MinMembers = 4
	}
	if c.CatchUpSlack == 0 {
		c.CatchUpSlack = 64
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 2 * time.Second
	}
	if c.SubmitTimeout <= 0 {
		c.SubmitTimeout = 20 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTP.WriteTimeout <= 0 {
		c.HTTP.WriteTimeout = 2 * time.Minute
	}
	c.HTTP = c.HTTP.WithDefaults()
	if len(c.Replicas) == 0 && c.Genesis != nil {
		for _, m := range c.Genesis.Members {
			c.Replicas = append(c.Replicas, m.API)
		}
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Genesis == nil:
		return fmt.Errorf("%w: Genesis is missing", ErrBadConfig)
	case len(c.Key) != ed25519.PrivateKeySize:
		return fmt.Errorf("%w: Key is not an Ed25519 private key", ErrBadConfig)
	case c.DBPath == "":
		return fmt.Errorf("%w: DBPath is empty", ErrBadConfig)
	case len(c.OperatorKeys) == 0:
		return fmt.Errorf("%w: no operator keys: nobody could enrol a node", ErrBadConfig)
	case c.TargetMembers != 0 && c.TargetMembers < c.MinMembers:
		return fmt.Errorf("%w: TargetMembers %d is below MinMembers %d", ErrBadConfig, c.TargetMembers, c.MinMembers)
	}
	if err := c.Genesis.Validate(); err != nil {
		return err
	}
	pub := hex.EncodeToString(c.Key.Public().(ed25519.PublicKey))
	signer := false
	for _, k := range c.Genesis.Config.ConfigSigners {
		signer = signer || k == pub
	}
	if !signer {
		return fmt.Errorf("%w: the MSP key %s is not a config signer of the genesis", ErrBadConfig, pub)
	}
	for _, k := range c.OperatorKeys {
		if _, err := hexKey("operator key", k, ed25519.PublicKeySize); err != nil {
			return fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
	}
	return nil
}

func (c Config) difficulty() uint8 {
	if c.PoWDifficulty != nil {
		return *c.PoWDifficulty
	}
	return c.Genesis.Config.PoWDifficulty
}
