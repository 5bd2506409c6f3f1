package wasm

import (
	"context"
	"testing"
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

func benchEvaluate(b *testing.B, name string, interruptible bool) {
	ctx := context.Background()
	h, err := newHost(ctx, Options{CacheDir: cacheDir, PoolSize: 1}, interruptible)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(ctx)
	for _, ref := range shippedRefs() {
		if ref.Name == name {
			mustLoad(b, h, ref, modules[name])
		}
	}
	in := benchInput(b)
	want := h.Evaluate(ctx, name, in)
	if want.Verdict != VerdictAccept {
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
				if r := h.Evaluate(ctx, name, in); r.Verdict != VerdictAccept {
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
