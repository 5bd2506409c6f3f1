package wasm

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// benchInputs are typical inputs per shipped plugin: a valid, paid claim.
func benchInput(b *testing.B) Input {
	return Input{ChainID: testChain, Height: 9, Time: blockTime, Tx: careerTx(b, 1, goodClaim(1), "sandbox", nil)}
}

// BenchmarkEvaluate measures warm calls (one pooled instance, serial) per
// shipped plugin; calls/s = 1e9 / ns/op.
func BenchmarkEvaluate(b *testing.B) {
	for _, ref := range shippedRefs() {
		if ref.Name == "payment-kakaopay" || ref.Name == "payment-card" {
			continue // the same code as payment-sandbox
		}
		b.Run(ref.Name, func(b *testing.B) { benchEvaluate(b, ref.Name, true) })
	}
	b.Run("career-validator/no-interrupt", func(b *testing.B) { benchEvaluate(b, "career-validator", false) })
}

// BenchmarkRoundTrip measures the fixed cost of a call: the host's work
// and the ABI calls into a hand-assembled module that answers at once
// ("wat"), and the same plus the Go runtime and the SDK's decoding of the
// input in a Go guest whose handler accepts at once ("go-sdk").
func BenchmarkRoundTrip(b *testing.B) {
	wat := abiModule(goodBody).bytes()
	for _, m := range []struct {
		label  string
		module []byte
	}{{"wat", wat}, {"go-sdk", modules["accept"]}} {
		for _, interruptible := range []bool{true, false} {
			label := m.label
			if !interruptible {
				label += "/no-interrupt"
			}
			b.Run(label, func(b *testing.B) {
				benchEvaluateRef(b, pin("p", KindValidator, "", m.module), m.module, interruptible)
			})
		}
	}
}

func benchEvaluate(b *testing.B, name string, interruptible bool) {
	for _, ref := range shippedRefs() {
		if ref.Name == name {
			benchEvaluateRef(b, ref, modules[name], interruptible)
		}
	}
}

func benchEvaluateRef(b *testing.B, ref chain.PluginRef, module []byte, interruptible bool) {
	ctx := context.Background()
	h, err := newHost(ctx, Options{CacheDir: cacheDir, PoolSize: 1}, interruptible)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	name := ref.Name
	mustLoad(b, h, ref, module)
	in := benchInput(b)
	want := h.Evaluate(ctx, name, in)
	if want.Verdict != pbft.Accept {
		b.Fatalf("%+v", want)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := h.Evaluate(ctx, name, in); r != want {
			b.Fatalf("%+v", r)
		}
	}
	p := h.plugins[name]
	inst := <-p.idle
	b.ReportMetric(float64(inst.mem.Size())/(1<<20), "guest-MiB")
	p.idle <- inst
}

// BenchmarkColdStart measures NewHost + Load + the first call + Close, with
// the compilation cache warm on disk and without any cache.
func BenchmarkColdStart(b *testing.B) {
	name := "career-validator"
	ref := shippedRefs()[0]
	in := benchInput(b)
	for _, tc := range []struct {
		label string
		dir   func() string
	}{
		{"with-cache", func() string { return cacheDir }},
		{"no-cache", func() string { return "" }},
	} {
		b.Run(tc.label, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				h, err := NewHost(ctx, Options{CacheDir: tc.dir(), PoolSize: 1})
				if err != nil {
					b.Fatal(err)
				}
				mustLoad(b, h, ref, modules[name])
				if r := h.Evaluate(ctx, name, in); r.Verdict != pbft.Accept {
					b.Fatal(r)
				}
				_ = h.Close(ctx)
			}
		})
	}
}

// BenchmarkInstantiate measures creating one more instance of a loaded
// plugin (what a pool pays after a fault).
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	h := newTestHost(b, Options{PoolSize: 1})
	ref := shippedRefs()[0]
	mustLoad(b, h, ref, modules[ref.Name])
	p := h.plugins[ref.Name]
	for b.Loop() {
		inst, err := p.instantiate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_ = inst.mod.Close(ctx)
	}
}

// BenchmarkPluginShare compares, on valid, signed, paid and attested
// career.register transactions and in the same loop, what a replica spends
// on sdk/chain CheckStateless with what it spends on the validator and
// payment plugin calls. Every iteration builds a new transaction (outside
// the timed parts), as a replica sees each transaction once: its
// CheckStateless verifies three signatures, and the payment plugin's check
// of the receipt signature then comes from the host's notes (SigNotes), as
// on a replica.
// plugin-% is plugins / (plugins + CheckStateless): the plugins' share of
// the replica's per-transaction CPU if the stateless checks were all it
// did besides (an upper bound on the real share, which
// node.BenchmarkClusterPlugins measures).
var shareNonce uint64 = 1 << 20

func BenchmarkPluginShare(b *testing.B) {
	ctx := context.Background()
	h := newTestHost(b, Options{PoolSize: 1})
	refs := shippedRefs()[:2] // career-validator, payment-sandbox
	for _, ref := range refs {
		mustLoad(b, h, ref, modules[ref.Name])
	}
	attester := ed25519.NewKeyFromSeed(seed(250))
	attesterHex := hex.EncodeToString(attester.Public().(ed25519.PublicKey))
	var check, plugins time.Duration
	b.ReportAllocs()
	iterations := 0
	for b.Loop() {
		iterations++
		shareNonce++ // never the same transaction twice, as a replica sees it
		tx := careerTx(b, shareNonce, goodClaim(1), "sandbox", nil)
		att, err := chain.Attest(attester, tx.Career.Statement, tx.Career.Receipt, blockTime)
		if err != nil {
			b.Fatal(err)
		}
		tx.Career.Attestation = att
		params := chain.Params{
			ChainID:        testChain,
			Attesters:      map[string]bool{attesterHex: true},
			PaymentIssuers: map[string]bool{tx.Career.Receipt.Issuer: true},
		}
		in := Input{ChainID: testChain, Height: 9, Time: blockTime, Tx: tx}

		t0 := time.Now()
		if err := tx.CheckStatelessWith(params, h.SigNotes().VerifyAndNote); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		for _, ref := range refs {
			if r := h.Evaluate(ctx, ref.Name, in); r.Verdict != pbft.Accept {
				b.Fatalf("%s: %+v", ref.Name, r)
			}
		}
		t2 := time.Now()
		check += t1.Sub(t0)
		plugins += t2.Sub(t1)
	}
	b.ReportMetric(float64(check.Microseconds())/float64(iterations), "checkstateless-µs")
	b.ReportMetric(float64(plugins.Microseconds())/float64(iterations), "plugins-µs")
	b.ReportMetric(100*float64(plugins)/float64(check+plugins), "plugin-%")
}

// BenchmarkEncodeInput measures the host's native work before a call: the
// input document, and for payment plugins the statement digest and the
// receipt's signing bytes (two canonical JSON encodings with sdk/chain).
func BenchmarkEncodeInput(b *testing.B) {
	in := benchInput(b)
	refs := shippedRefs()
	for _, ref := range []chain.PluginRef{refs[0], refs[1]} {
		b.Run(ref.Kind, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				encodeInput(nil, ref, &in)
			}
		})
	}
}
