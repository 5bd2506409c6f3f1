package node

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
)

// WasmPlugins runs the consensus-critical Wasm plugins that the chain
// config pins: every validator on each career transaction, and the payment
// plugin named "payment-<provider>" on its receipt. Scorers are advisory
// (the portal shows their score to admins) and are not run here.
//
// Modules are read from Dir as <name>.wasm on first use and loaded only if
// their SHA-256 matches the pin; a missing or mismatching module is local
// trouble, so the replica abstains rather than judging without it.
type WasmPlugins struct {
	host *wasm.Host
	dir  string

	mu     sync.Mutex
	loaded map[string]string // pin (name@sha256) → host name, or "" after a failed load
}

// NewWasmPlugins starts a plugin host that loads modules from dir.
func NewWasmPlugins(ctx context.Context, dir string, opts wasm.Options) (*WasmPlugins, error) {
	h, err := wasm.NewHost(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &WasmPlugins{host: h, dir: dir, loaded: make(map[string]string)}, nil
}

// SigVerifier verifies a signature and notes it for the host's function
// careerchain.ed25519_verify (wasm.SigNotes): the payment plugin's check of
// a receipt signature the stateless checks have just verified is then
// answered without verifying it again.
func (p *WasmPlugins) SigVerifier() chain.SigVerifier { return p.host.SigNotes().VerifyAndNote }

// Close stops the host.
func (p *WasmPlugins) Close(ctx context.Context) error { return p.host.Close(ctx) }

// errPluginMissing is local trouble: the pinned module is not available here.
var errPluginMissing = errors.New("node: pinned plugin module unavailable")

// ensure loads the pinned module once; it returns the host's name for it.
func (p *WasmPlugins) ensure(ctx context.Context, ref chain.PluginRef) (string, error) {
	pin := ref.Name + "@" + ref.SHA256
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, ok := p.loaded[pin]; ok {
		if name == "" {
			return "", fmt.Errorf("%w: %s", errPluginMissing, pin)
		}
		return name, nil
	}
	path := filepath.Join(p.dir, ref.Name+".wasm")
	module, err := os.ReadFile(path)
	if err == nil {
		sum := sha256.Sum256(module)
		if hex.EncodeToString(sum[:]) != ref.SHA256 {
			err = fmt.Errorf("%s has SHA-256 %x, the chain pins %s", path, sum, ref.SHA256)
		}
	}
	if err == nil {
		// A plugin set may pin a new version under the same name: load each
		// pin under its own host name. Loading is a one-time local cost
		// (compiling takes about a second without the cache) that must not
		// fail, and be remembered as failed, because the call that
		// happened to come first has a short deadline.
		named := ref
		named.Name = pin
		err = p.host.Load(context.WithoutCancel(ctx), named, module)
	}
	if err != nil {
		p.loaded[pin] = ""
		return "", fmt.Errorf("%w: %v", errPluginMissing, err)
	}
	p.loaded[pin] = pin
	return pin, nil
}

// Preload loads the validator and payment modules refs pins, so that the
// first transactions do not wait (and, under a short deadline, abstain)
// while a module compiles. A replica should call it at start and after a
// plugin-set change; it returns the first load error.
func (p *WasmPlugins) Preload(ctx context.Context, refs []chain.PluginRef) error {
	var first error
	for _, ref := range refs {
		if ref.Kind != wasm.KindValidator && ref.Kind != wasm.KindPayment {
			continue
		}
		if _, err := p.ensure(ctx, ref); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// CheckTx implements Plugins.
func (p *WasmPlugins) CheckTx(ctx context.Context, tx *chain.Tx, bctx BlockContext) Judgement {
	if tx.Career == nil {
		return Judgement{} // revocations and config changes carry no claim or payment
	}
	in := wasm.Input{ChainID: bctx.ChainID, Height: bctx.Height, Time: bctx.Time / 1000, Tx: *tx}
	payment := "payment-" + tx.Career.Receipt.Provider
	paid := false
	for _, ref := range bctx.Plugins {
		switch {
		case ref.Kind == wasm.KindValidator:
		case ref.Kind == wasm.KindPayment && ref.Name == payment:
			paid = true
		default:
			continue
		}
		name, err := p.ensure(ctx, ref)
		if err != nil {
			return Judgement{Verdict: pbft.Abstain, Reason: err.Error()}
		}
		r := p.host.Evaluate(ctx, name, in)
		switch {
		case r.Verdict == pbft.Abstain:
			return Judgement{Verdict: pbft.Abstain, Reason: fmt.Sprintf("plugin %s: %s", ref.Name, r.Reason)}
		case r.Verdict == pbft.Reject:
			return Judgement{Verdict: pbft.Reject, Reason: fmt.Sprintf("plugin %s rejected the transaction (%s): %s", ref.Name, r.Code, r.Reason)}
		}
	}
	if !paid && hasKind(bctx.Plugins, wasm.KindPayment) {
		return Judgement{Verdict: pbft.Reject, Reason: fmt.Sprintf("no payment plugin for provider %q is in the chain's plugin set", tx.Career.Receipt.Provider)}
	}
	return Judgement{}
}

func hasKind(refs []chain.PluginRef, kind string) bool {
	for _, r := range refs {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

// PluginRefs pins the modules found in dir (<name>.wasm) for a genesis:
// names starting "payment-" are payment plugins (with paymentConfig),
// "authenticity-" scorers, the rest validators.
func PluginRefs(dir, paymentConfig string) ([]chain.PluginRef, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.wasm"))
	if err != nil {
		return nil, err
	}
	var refs []chain.PluginRef
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		name := filepath.Base(path)
		name = name[:len(name)-len(".wasm")]
		ref := chain.PluginRef{Name: name, Version: "1", Kind: wasm.KindValidator, SHA256: hex.EncodeToString(sum[:])}
		switch {
		case len(name) > 8 && name[:8] == "payment-":
			ref.Kind, ref.Config = wasm.KindPayment, paymentConfig
		case len(name) > 13 && name[:13] == "authenticity-":
			ref.Kind = wasm.KindScorer
		}
		refs = append(refs, ref)
	}
	return refs, nil
}
