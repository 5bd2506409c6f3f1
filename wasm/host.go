package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Errors returned by [NewHost] and [Host.Load].
var (
	ErrClosed        = errors.New("wasm: host closed")
	ErrBadOptions    = errors.New("wasm: bad options")
	ErrBadRef        = errors.New("wasm: bad plugin reference")
	ErrHashMismatch  = errors.New("wasm: module SHA-256 differs from the pinned digest")
	ErrDuplicate     = errors.New("wasm: a different module is already loaded under this name")
	ErrInvalidModule = errors.New("wasm: module refused")
)

// Defaults for zero Options fields.
const (
	DefaultMemoryLimitPages = 512 // 32 MiB
	DefaultCallTimeout      = 2 * time.Second
	DefaultMaxOutput        = 64 << 10
	DefaultMaxInput         = 1 << 20
)

// Options configure a [Host]. The zero value of each field picks its default.
type Options struct {
	// CacheDir keeps compiled machine code on disk, so a restart loads a
	// module in tens of milliseconds instead of about a second. Empty: compile
	// into memory only.
	CacheDir string
	// PoolSize bounds the instances of each plugin (and so its concurrent
	// calls). Default: GOMAXPROCS.
	PoolSize int
	// MemoryLimitPages caps each instance's linear memory, in 64 KiB pages.
	// It is part of a plugin's behaviour (a guest that exceeds it faults), so
	// all replicas must use the same value. Default 512 (32 MiB).
	MemoryLimitPages uint32
	// CallTimeout is the wall-clock limit of one call; a call that hits it
	// abstains. Default 2 s.
	CallTimeout time.Duration
	// MaxOutput caps the bytes a plugin may return. Default 64 KiB.
	MaxOutput int
	// MaxInput caps the input document; a larger one abstains. Default 1 MiB.
	MaxInput int
	// Logger receives load events and plugin faults. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.PoolSize == 0 {
		o.PoolSize = runtime.GOMAXPROCS(0)
	}
	if o.MemoryLimitPages == 0 {
		o.MemoryLimitPages = DefaultMemoryLimitPages
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MaxOutput == 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	if o.MaxInput == 0 {
		o.MaxInput = DefaultMaxInput
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

func (o Options) validate() error {
	switch {
	case o.PoolSize < 1:
		return fmt.Errorf("%w: PoolSize %d, want >= 1", ErrBadOptions, o.PoolSize)
	case o.MemoryLimitPages > 65536:
		return fmt.Errorf("%w: MemoryLimitPages %d, want <= 65536", ErrBadOptions, o.MemoryLimitPages)
	case o.CallTimeout < 0:
		return fmt.Errorf("%w: CallTimeout %v, want > 0", ErrBadOptions, o.CallTimeout)
	case o.MaxOutput < 1 || o.MaxInput < 1:
		return fmt.Errorf("%w: MaxOutput %d and MaxInput %d, want > 0", ErrBadOptions, o.MaxOutput, o.MaxInput)
	}
	return nil
}

// Host loads plugins and runs them. Create it with [NewHost]; it is safe for
// concurrent use; Close releases everything.
type Host struct {
	opts    Options
	log     *slog.Logger
	runtime wazero.Runtime
	cache   wazero.CompilationCache

	mu       sync.RWMutex
	closed   bool
	plugins  map[string]*plugin
	inflight sync.WaitGroup // Evaluate calls running; Close waits for them
	notes    *SigNotes      // signatures the replica verified, for the host function
}

// SigNotes returns the host's notes of verified signatures: pass
// VerifyAndNote to chain.Tx.CheckStatelessWith so that a plugin's check of
// the same signature costs no second verification.
func (h *Host) SigNotes() *SigNotes { return h.notes }

// NewHost creates a host: one wazero runtime with the compiler, the
// compilation cache and the memory limit, and the deterministic WASI subset
// plugins may import.
func NewHost(ctx context.Context, opts Options) (*Host, error) {
	return newHost(ctx, opts, true)
}

// newHost is NewHost; interruptible=false drops wazero's close-on-context-done
// checks, which only the benchmark measuring their cost may do.
func newHost(ctx context.Context, opts Options, interruptible bool) (*Host, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	var cache wazero.CompilationCache
	if opts.CacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache in %s: %w", opts.CacheDir, err)
		}
		cache = c
	} else {
		cache = wazero.NewCompilationCache()
	}
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(cache).
		WithMemoryLimitPages(opts.MemoryLimitPages).
		WithCloseOnContextDone(interruptible).
		WithDebugInfoEnabled(false)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		_ = cache.Close(ctx)
		return nil, fmt.Errorf("wasm: instantiate WASI: %w", err)
	}
	notes := &SigNotes{}
	if err := instantiateHostFunctions(ctx, rt, notes); err != nil {
		_ = rt.Close(ctx)
		_ = cache.Close(ctx)
		return nil, fmt.Errorf("wasm: instantiate host functions: %w", err)
	}
	return &Host{
		opts:    opts,
		log:     opts.Logger,
		runtime: rt,
		cache:   cache,
		plugins: make(map[string]*plugin),
		notes:   notes,
	}, nil
}

// Load compiles module, checks it against ref and the ABI, creates its first
// instance and makes it callable under ref.Name. Loading the same module
// under the same name again does nothing.
func (h *Host) Load(ctx context.Context, ref chain.PluginRef, module []byte) error {
	if err := checkRef(ref); err != nil {
		return err
	}
	sum := sha256.Sum256(module)
	if got := hex.EncodeToString(sum[:]); got != ref.SHA256 {
		return fmt.Errorf("%w: plugin %s: module has %s, chain config pins %s", ErrHashMismatch, ref.Name, got, ref.SHA256)
	}

	h.mu.RLock()
	closed, old := h.closed, h.plugins[ref.Name]
	h.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	if old != nil {
		if old.ref == ref {
			return nil
		}
		return fmt.Errorf("%w: %s (loaded %s, new %s)", ErrDuplicate, ref.Name, old.ref.SHA256, ref.SHA256)
	}

	start := time.Now()
	compiled, err := h.runtime.CompileModule(ctx, module)
	if err != nil {
		return fmt.Errorf("%w: plugin %s: %v", ErrInvalidModule, ref.Name, err)
	}
	if err := checkModule(compiled); err != nil {
		_ = compiled.Close(ctx)
		return fmt.Errorf("%w: plugin %s: %w", ErrInvalidModule, ref.Name, err)
	}
	p := newPlugin(h, ref, compiled)
	first, err := p.instantiate(ctx)
	if err != nil {
		_ = compiled.Close(ctx)
		return fmt.Errorf("%w: plugin %s: does not start: %v", ErrInvalidModule, ref.Name, err)
	}
	p.idle <- first

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed // Close has closed the runtime and with it compiled and first
	}
	if old := h.plugins[ref.Name]; old != nil { // lost a race with another Load
		_ = first.mod.Close(ctx)
		_ = compiled.Close(ctx)
		if old.ref == ref {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrDuplicate, ref.Name)
	}
	h.plugins[ref.Name] = p
	h.log.Info("plugin loaded", "plugin", ref.Name, "version", ref.Version, "kind", ref.Kind,
		"sha256", ref.SHA256, "took", time.Since(start))
	return nil
}

// Evaluate runs the plugin loaded as name on in. It never returns an error:
// every failure is a Result with Fault set (a Reject: the plugin's fault)
// or an Abstain (this host's trouble).
func (h *Host) Evaluate(ctx context.Context, name string, in Input) Result {
	h.mu.RLock()
	if h.closed {
		h.mu.RUnlock()
		return abstain(name, CodeHostClosed, "host closed")
	}
	p := h.plugins[name]
	if p == nil {
		h.mu.RUnlock()
		return abstain(name, CodeNotLoaded, fmt.Sprintf("plugin %q is not loaded", name))
	}
	h.inflight.Add(1)
	h.mu.RUnlock()
	defer h.inflight.Done()

	buf := inputBuffers.Get().(*[]byte)
	input := encodeInput((*buf)[:0], p.ref, &in)
	defer func() {
		if cap(input) <= maxPooledInput {
			*buf = input[:0]
			inputBuffers.Put(buf)
		}
	}()
	if len(input) > h.opts.MaxInput {
		return abstain(name, CodeInputTooLarge, fmt.Sprintf("input is %d bytes, limit %d", len(input), h.opts.MaxInput))
	}
	r := p.evaluate(ctx, input)
	if r.Fault {
		h.log.Warn("plugin fault", "plugin", name, "code", r.Code, "reason", r.Reason)
	}
	return r
}

const maxPooledInput = 64 << 10

// inputBuffers recycles the buffers input documents are encoded into.
// Larger buffers are left to the collector.
var inputBuffers = sync.Pool{New: func() any { b := make([]byte, 0, minInputBuffer); return &b }}

// Close waits for running calls, then closes every instance, the runtime and
// the compilation cache. It is idempotent.
func (h *Host) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.inflight.Wait()
	err := h.runtime.Close(ctx)
	if cerr := h.cache.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

func checkRef(ref chain.PluginRef) error {
	if ref.Name == "" || len(ref.Name) > 128 {
		return fmt.Errorf("%w: name %q must be 1..128 bytes", ErrBadRef, ref.Name)
	}
	switch ref.Kind {
	case KindValidator, KindPayment, KindScorer:
	default:
		return fmt.Errorf("%w: plugin %s: kind %q, want %q, %q or %q", ErrBadRef, ref.Name, ref.Kind, KindValidator, KindPayment, KindScorer)
	}
	if b, err := hex.DecodeString(ref.SHA256); err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != ref.SHA256 {
		return fmt.Errorf("%w: plugin %s: sha256 %q is not 64 lower-case hex digits", ErrBadRef, ref.Name, ref.SHA256)
	}
	return nil
}
