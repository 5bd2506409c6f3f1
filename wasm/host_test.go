package wasm

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

var sampleInput = Input{ChainID: "test", Height: 2, Time: 1_735_689_600, Tx: chain.Tx{Type: chain.TypeRevoke}}

func TestLoadRefuses(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 1})
	good := abiModule(goodBody).bytes()
	withImport := func(module, name string) []byte {
		m := abiModule(goodBody)
		m.imports = []wimport{{module: module, name: name}}
		return m.bytes()
	}
	noMarker := abiModule(goodBody)
	noMarker.funcs[0].export = ""
	badSig := abiModule(append([]byte{opUnreachable}, goodBody...))
	badSig.funcs[3].results = []byte{tI32}
	badSig.funcs[3].body = []byte{opI32Const, 0}
	bigMem := abiModule(goodBody)
	bigMem.memMin = DefaultMemoryLimitPages + 1
	noMem := abiModule(goodBody)
	noMem.noMemory = true
	noMem.data = nil

	tests := []struct {
		name    string
		ref     chain.PluginRef
		module  []byte
		wantErr error
		msg     string
	}{
		{"hash mismatch", pin("p1", KindValidator, "", []byte("other")), good, ErrHashMismatch, "pins"},
		{"bad kind", pin("p2", "oracle", "", good), good, ErrBadRef, "kind"},
		{"bad digest", chain.PluginRef{Name: "p3", Kind: KindValidator, SHA256: "ABC"}, good, ErrBadRef, "sha256"},
		{"no name", pin("", KindValidator, "", good), good, ErrBadRef, "name"},
		{"not wasm", pin("p4", KindValidator, "", []byte("hello")), []byte("hello"), ErrInvalidModule, "magic"},
		{"no marker", pin("p5", KindValidator, "", noMarker.bytes()), noMarker.bytes(), ErrInvalidModule, ExportMarker},
		{"env import", pin("p6", KindValidator, "", withImport("env", "steal")), withImport("env", "steal"), ErrInvalidModule, "forbidden import env.steal"},
		{"filesystem import", pin("p7", KindValidator, "", withImport(wasiModule, "path_open")), withImport(wasiModule, "path_open"), ErrInvalidModule, "forbidden import wasi_snapshot_preview1.path_open"},
		{"socket import", pin("p8", KindValidator, "", withImport(wasiModule, "sock_accept")), withImport(wasiModule, "sock_accept"), ErrInvalidModule, "sock_accept"},
		{"bad signature", pin("p9", KindValidator, "", badSig.bytes()), badSig.bytes(), ErrInvalidModule, "export evaluate has signature (i32,i32)->(i32)"},
		{"memory over limit", pin("p10", KindValidator, "", bigMem.bytes()), bigMem.bytes(), ErrInvalidModule, "limit"},
		{"no memory", pin("p11", KindValidator, "", noMem.bytes()), noMem.bytes(), ErrInvalidModule, "missing export memory"},
		{"go guest reading files", pin("p12", KindValidator, "", modules["fsguest"]), modules["fsguest"], ErrInvalidModule, "path_open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Load(context.Background(), tt.ref, tt.module)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Load = %v, want %v containing %q", err, tt.wantErr, tt.msg)
			}
			if r := h.Evaluate(context.Background(), tt.ref.Name, sampleInput); r.Verdict != pbft.Abstain || r.Code != CodeNotLoaded {
				t.Fatalf("refused plugin evaluated: %+v", r)
			}
		})
	}
}

func TestLoadTwice(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 1})
	good := abiModule(goodBody).bytes()
	ref := pin("p", KindValidator, "", good)
	mustLoad(t, h, ref, good)
	mustLoad(t, h, ref, good) // same module again: no-op
	other := abiModule(evalReturning(packed(outAt, uint32(len(okOutput))-1))).bytes()
	if err := h.Load(context.Background(), pin("p", KindValidator, "", other), other); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("Load of another module under the same name = %v, want ErrDuplicate", err)
	}
}

// Every hostile behaviour yields its fault or abstention, discards the
// instance, and leaves the host able to run the good plugin and the hostile
// plugin's next good call.
func TestHostileModules(t *testing.T) {
	growForever := []byte{opLoop, blockEmpty, opI32Const, 16, opMemoryGrow, 0x00, opI32Const, 0x7f, opI32Ne, opBrIf, 0, opEnd, opUnreachable}
	badAlloc := abiModule(goodBody)
	badAlloc.funcs[1].body = append([]byte{opI32Const}, sleb(-16)...) // 0xfffffff0
	wat := map[string]wmod{
		"wat-loop":     abiModule([]byte{opLoop, blockEmpty, opBr, 0, opEnd, opUnreachable}),
		"wat-trap":     abiModule([]byte{opUnreachable}),
		"wat-grow":     abiModule(growForever),
		"wat-badptr":   abiModule(evalReturning(packed(0xffff0000, 100))),
		"wat-straddle": abiModule(evalReturning(packed(2*65536-10, 20))),
		"wat-hugelen":  abiModule(evalReturning(packed(outAt, 0xffffffff))),
		"wat-badalloc": badAlloc,
	}
	tests := []struct {
		plugin, config string
		verdict        pbft.Verdict // or faulted
		code           string
	}{
		{"wat-loop", "", pbft.Abstain, CodeTimeout},
		{"wat-trap", "", faulted, CodeTrap},
		{"wat-grow", "", faulted, CodeTrap},
		{"wat-badptr", "", faulted, CodeBadPointer},
		{"wat-straddle", "", faulted, CodeBadPointer},
		{"wat-hugelen", "", faulted, CodeOutputTooBig},
		{"wat-badalloc", "", faulted, CodeBadPointer},
		{"hostile", "loop", pbft.Abstain, CodeTimeout},
		{"hostile", "grow", faulted, CodeTrap},
		{"hostile", "panic", faulted, CodeTrap},
		{"hostile", "exit", faulted, CodeTrap},
		{"hostile", "bigout", faulted, CodeOutputTooBig},
		{"hostile", "badptr", faulted, CodeBadPointer},
		{"hostile", "hugelen", faulted, CodeOutputTooBig},
		{"hostile", "badjson", faulted, CodeBadOutput},
		{"hostile", "badverdict", faulted, CodeBadOutput},
		{"hostile", "badscore", faulted, CodeBadOutput},
		{"hostile", "verifybad", faulted, CodeBadPointer},
	}
	// Endless loops meet a short call limit; every other case a long one,
	// so that growing memory to its cap on a loaded machine (the race
	// detector, two cores) is never mistaken for a timeout.
	short := newTestHost(t, Options{PoolSize: 2, CallTimeout: 2 * time.Second})
	long := newTestHost(t, Options{PoolSize: 2, CallTimeout: 60 * time.Second})
	good := abiModule(goodBody).bytes()
	for _, h := range []*Host{short, long} {
		mustLoad(t, h, pin("good", KindValidator, "", good), good)
		for name, m := range wat {
			b := m.bytes()
			mustLoad(t, h, pin(name, KindValidator, "", b), b)
		}
	}
	h := long
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.plugin+"/"+tt.config, func(t *testing.T) {
			h := long
			if tt.code == CodeTimeout {
				h = short
			}
			name := tt.plugin
			if tt.plugin == "hostile" {
				name = "hostile-" + tt.config
				mustLoad(t, h, pin(name, KindValidator, tt.config, modules["hostile"]), modules["hostile"])
			}
			r := h.Evaluate(ctx, name, sampleInput)
			if outcome(r) != tt.verdict || r.Code != tt.code || r.Plugin != name {
				t.Fatalf("got %+v, want %s/%s", r, tt.verdict, tt.code)
			}
			if n := len(h.plugins[name].idle); n != 0 {
				t.Errorf("%d instances kept after a failed call, want 0", n)
			}
			if r := h.Evaluate(ctx, "good", sampleInput); r.Verdict != pbft.Accept {
				t.Fatalf("good plugin after %s: %+v", name, r)
			}
		})
	}
	// A hostile plugin's instances are replaced: its good behaviour still works.
	mustLoad(t, h, pin("hostile-ok", KindValidator, "", modules["hostile"]), modules["hostile"])
	for range 3 {
		if r := h.Evaluate(ctx, "hostile-ok", sampleInput); r.Verdict != pbft.Accept || r.Code != "ok" {
			t.Fatalf("hostile plugin in good mode: %+v", r)
		}
	}
}

func TestHostLimits(t *testing.T) {
	ctx := context.Background()
	h := newTestHost(t, Options{PoolSize: 1, MaxInput: 200, MaxOutput: 10})
	good := abiModule(goodBody).bytes()
	mustLoad(t, h, pin("good", KindValidator, "", good), good)

	if r := h.Evaluate(ctx, "good", sampleInput); outcome(r) != faulted || r.Code != CodeOutputTooBig {
		t.Errorf("output over MaxOutput: %+v", r)
	}
	big := sampleInput
	big.ChainID = strings.Repeat("c", 300)
	if r := h.Evaluate(ctx, "good", big); r.Verdict != pbft.Abstain || r.Code != CodeInputTooLarge {
		t.Errorf("input over MaxInput: %+v", r)
	}
	if r := h.Evaluate(ctx, "missing", sampleInput); r.Verdict != pbft.Abstain || r.Code != CodeNotLoaded {
		t.Errorf("unknown plugin: %+v", r)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if r := h.Evaluate(canceled, "good", sampleInput); r.Verdict != pbft.Abstain || r.Code != CodeCanceled {
		t.Errorf("canceled context: %+v", r)
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	h, err := NewHost(ctx, Options{CacheDir: cacheDir, PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	good := abiModule(goodBody).bytes()
	mustLoad(t, h, pin("good", KindValidator, "", good), good)
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if r := h.Evaluate(ctx, "good", sampleInput); r.Verdict != pbft.Abstain || r.Code != CodeHostClosed {
		t.Errorf("Evaluate after Close: %+v", r)
	}
	if err := h.Load(ctx, pin("other", KindValidator, "", good), good); !errors.Is(err, ErrClosed) {
		t.Errorf("Load after Close = %v, want ErrClosed", err)
	}
}

func TestNewHostOptions(t *testing.T) {
	for _, o := range []Options{{PoolSize: -1}, {MemoryLimitPages: 70000}, {CallTimeout: -time.Second}, {MaxOutput: -1}} {
		if _, err := NewHost(context.Background(), o); !errors.Is(err, ErrBadOptions) {
			t.Errorf("NewHost(%+v) = %v, want ErrBadOptions", o, err)
		}
	}
}

// Concurrent calls share a bounded pool; with -race this also checks the
// pool's synchronisation.
func TestConcurrentEvaluate(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 2})
	mustLoad(t, h, pin("validator", KindValidator, "", modules["career-validator"]), modules["career-validator"])
	in := validInput()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if r := h.Evaluate(context.Background(), "validator", in); r.Verdict != pbft.Accept {
					t.Errorf("got %+v", r)
				}
			}
		})
	}
	wg.Wait()
	if n := len(h.plugins["validator"].idle); n < 1 || n > 2 {
		t.Errorf("%d idle instances, want 1..2", n)
	}
}

// A Go reactor's heap must not grow from call to call: the SDK yields so
// the collector runs.
func TestGuestMemoryBounded(t *testing.T) {
	h := newTestHost(t, Options{PoolSize: 1})
	mustLoad(t, h, pin("validator", KindValidator, "", modules["career-validator"]), modules["career-validator"])
	in := validInput()
	in.Tx.Career.Statement.Claim.Description = strings.Repeat("built and shipped things ", 100)
	size := func() uint32 {
		p := h.plugins["validator"]
		inst := <-p.idle
		defer func() { p.idle <- inst }()
		return inst.mem.Size()
	}
	for range 100 {
		h.Evaluate(context.Background(), "validator", in)
	}
	warm := size()
	for range 1000 {
		if r := h.Evaluate(context.Background(), "validator", in); r.Verdict != pbft.Accept {
			t.Fatal(r)
		}
	}
	if after := size(); after > warm+4<<20 {
		t.Errorf("guest memory grew from %d to %d bytes over 1000 calls", warm, after)
	}
}

// Close while calls run: every call ends accepted or abstaining, none
// faults, and Close returns after them.
func TestCloseDuringCalls(t *testing.T) {
	ctx := context.Background()
	h, err := NewHost(ctx, Options{CacheDir: cacheDir, PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	good := abiModule(goodBody).bytes()
	mustLoad(t, h, pin("good", KindValidator, "", good), good)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				r := h.Evaluate(ctx, "good", sampleInput)
				if r.Verdict != pbft.Accept && (r.Verdict != pbft.Abstain || r.Code != CodeHostClosed) {
					t.Errorf("got %+v", r)
				}
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := h.Close(ctx); err != nil {
		t.Error(err)
	}
	wg.Wait()
}
