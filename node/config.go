package node

import (
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/careerchain/careerchain/internal/configfile"
	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Config configures a Node. Zero values take the defaults of withDefaults.
// Only cmd/ reads files and flags; LoadConfig is the helper it uses.
type Config struct {
	ID      uint64
	DataDir string // holds ledger.db
	Genesis *genesis.Genesis
	Keys    NodeKeys

	// ListenAddr is the QUIC address (host:port) when Transport is nil.
	ListenAddr string
	// APIAddr is where Run serves the client API; "" serves nothing
	// (mount APIHandler yourself). APIListener, if set, is used instead.
	APIAddr     string
	APIListener net.Listener

	TickInterval       time.Duration // default 10 ms
	CheckpointInterval uint64        // pBFT K, default 16
	MaxBatch           int           // transactions per block, default 1024
	MaxInFlight        int           // pBFT blocks in flight, default 4
	RequestTimeout     int           // ticks before a stuck request starts a view change, default 100 (1 s at 10 ms)
	SubmitTimeout      time.Duration // how long ?wait=1 waits for the commit, default 30 s
	MaxPending         int           // requests tracked; submissions are refused as busy at nine tenths, default 100,000
	MaxBodyBytes       int64         // POST body limit, default 256 KiB
	MaxTxBytes         int           // one transaction, default chain.DefaultMaxTxBytes
	PluginTimeout      time.Duration // per block validation, default 2 s; exceeding it abstains
	FetchTimeout       time.Duration // per state-transfer HTTP request, default 10 s

	// HTTP sets the API server's timeouts and per-client connection bound
	// (httpkit defaults; WriteTimeout defaults to SubmitTimeout + 10 s so
	// that POST /api/v1/tx?wait=1 can wait its whole SubmitTimeout).
	HTTP httpkit.Options

	FullCheck bool // at start, check every record, the whole chain and bbolt's pages (reads the whole file)
	NoSync    bool // skip fsync: benchmarks only, never production

	Logger     *slog.Logger
	Transport  quicnet.Transport // nil: QUIC on ListenAddr with Keys.NetKey
	Plugins    Plugins           // nil: NopPlugins
	HTTPClient *http.Client      // state transfer; default a client with FetchTimeout
	Now        func() time.Time  // default time.Now
}

func (c Config) withDefaults() Config {
	if c.TickInterval <= 0 {
		c.TickInterval = 10 * time.Millisecond
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = 16
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 1024
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 4
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 100
	}
	if c.SubmitTimeout <= 0 {
		c.SubmitTimeout = 30 * time.Second
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 100_000
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 256 << 10
	}
	if c.PluginTimeout <= 0 {
		c.PluginTimeout = 2 * time.Second
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Plugins == nil {
		c.Plugins = NopPlugins{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.FetchTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTP.WriteTimeout <= 0 {
		c.HTTP.WriteTimeout = c.SubmitTimeout + 10*time.Second
	}
	c.HTTP = c.HTTP.WithDefaults()
	return c
}

func (c Config) validate() error {
	switch {
	case c.ID == 0:
		return fmt.Errorf("%w: ID must be non-zero", ErrBadConfig)
	case c.DataDir == "":
		return fmt.Errorf("%w: DataDir is empty", ErrBadConfig)
	case c.Genesis == nil:
		return fmt.Errorf("%w: Genesis is missing", ErrBadConfig)
	case len(c.Keys.NetKey) != ed25519.PrivateKeySize:
		return fmt.Errorf("%w: Keys.NetKey (the Ed25519 network key, which also signs votes) is required", ErrBadConfig)
	case c.Transport == nil && c.ListenAddr == "":
		return fmt.Errorf("%w: ListenAddr is required without an injected Transport", ErrBadConfig)
	case c.HTTP.WriteTimeout <= c.SubmitTimeout:
		return fmt.Errorf("%w: the API write timeout (%v) must exceed SubmitTimeout (%v), or ?wait=1 answers are cut", ErrBadConfig, c.HTTP.WriteTimeout, c.SubmitTimeout)
	}
	return c.Genesis.Validate()
}

// FileConfig is the JSON form of a replica's config file. Relative paths
// are resolved against the file's directory.
type FileConfig struct {
	ID                 uint64 `json:"id"`
	DataDir            string `json:"data_dir"`
	Genesis            string `json:"genesis"`
	KeyFile            string `json:"key_file"`
	Listen             string `json:"listen"`
	APIListen          string `json:"api_listen"`
	Tick               string `json:"tick,omitempty"`           // Go duration, e.g. "10ms"
	SubmitTimeout      string `json:"submit_timeout,omitempty"` // Go duration
	CheckpointInterval uint64 `json:"checkpoint_interval,omitempty"`
	MaxBatch           int    `json:"max_batch,omitempty"`
	RequestTimeout     int    `json:"request_timeout_ticks,omitempty"`
	FullCheck          bool   `json:"full_check,omitempty"`
}

// LoadConfig reads a replica's config file with its genesis and key file.
// Logger, Transport and Plugins are left for the caller to set.
func LoadConfig(path string) (Config, error) {
	var fc FileConfig
	rel, err := ReadConfigFile(path, &fc)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	cfg := Config{ID: fc.ID, DataDir: rel(fc.DataDir), ListenAddr: fc.Listen, APIAddr: fc.APIListen,
		CheckpointInterval: fc.CheckpointInterval, MaxBatch: fc.MaxBatch, RequestTimeout: fc.RequestTimeout, FullCheck: fc.FullCheck}
	for _, d := range []struct {
		s   string
		dst *time.Duration
		key string
	}{{fc.Tick, &cfg.TickInterval, "tick"}, {fc.SubmitTimeout, &cfg.SubmitTimeout, "submit_timeout"}} {
		if d.s == "" {
			continue
		}
		if *d.dst, err = time.ParseDuration(d.s); err != nil || *d.dst <= 0 {
			return Config{}, fmt.Errorf("%w: %s: %s %q is not a positive duration like \"10ms\"", ErrBadConfig, path, d.key, d.s)
		}
	}
	if cfg.Genesis, err = genesis.Load(rel(fc.Genesis)); err != nil {
		return Config{}, err
	}
	if cfg.Keys, err = LoadNodeKeys(rel(fc.KeyFile)); err != nil {
		return Config{}, err
	}
	return cfg, cfg.withDefaults().validate()
}

// strictJSON decodes one JSON value into v: no unknown fields, no trailing data.
// StrictJSON decodes exactly one JSON value into v, refusing unknown
// fields and trailing data: the rule for every config file and request body.
func StrictJSON(b []byte, v any) error { return configfile.Strict(b, v) }

// ReadConfigFile decodes the JSON config file at path into v strictly (no
// unknown fields, no trailing data) and returns a function that resolves
// a path written in the file against the file's directory; see
// configfile.Read.
func ReadConfigFile(path string, v any) (rel func(string) string, err error) {
	return configfile.Read(path, v)
}
