package wasm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// plugin is one loaded module and its bounded pool of instances.
//
// Invariant: a goroutine holding a token from slots owns at most one
// instance, taken from idle or newly created; so idle instances plus
// instances in use never exceed the pool size, and idle never blocks on send.
type plugin struct {
	host     *Host
	ref      chain.PluginRef
	compiled wazero.CompiledModule
	slots    chan struct{} // one token per instance the pool may hold
	idle     chan *instance
}

// instance is one instantiated module with its exports looked up once.
type instance struct {
	mod      api.Module
	mem      api.Memory
	alloc    api.Function
	free     api.Function
	evaluate api.Function
	stack    [2]uint64 // params and results of CallWithStack
	// inPtr and inCap are the input buffer this host got from alloc and
	// reuses for every call; inCap 0 means none yet.
	inPtr, inCap uint32
}

func newPlugin(h *Host, ref chain.PluginRef, compiled wazero.CompiledModule) *plugin {
	return &plugin{
		host:     h,
		ref:      ref,
		compiled: compiled,
		slots:    make(chan struct{}, h.opts.PoolSize),
		idle:     make(chan *instance, h.opts.PoolSize),
	}
}

// instantiate creates an instance: anonymous (so many can coexist), with
// _initialize run first and wazero's deterministic defaults for everything
// WASI offers.
func (p *plugin) instantiate(ctx context.Context) (*instance, error) {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	mod, err := p.host.runtime.InstantiateModule(ctx, p.compiled, cfg)
	if err != nil {
		return nil, err
	}
	return &instance{
		mod:      mod,
		mem:      mod.Memory(),
		alloc:    mod.ExportedFunction(ExportAlloc),
		free:     mod.ExportedFunction(ExportFree),
		evaluate: mod.ExportedFunction(ExportEvaluate),
	}, nil
}

// evaluate runs one call on a pooled instance within the host's CallTimeout.
func (p *plugin) evaluate(ctx context.Context, input []byte) Result {
	name := p.ref.Name
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > p.host.opts.CallTimeout {
		// A caller's earlier deadline (a replica's block validation has
		// one) serves as is: no derived context and timer per call.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.host.opts.CallTimeout)
		defer cancel()
	}

	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return p.ctxResult(ctx, "waiting for a free instance")
	}
	defer func() { <-p.slots }()

	var inst *instance
	select {
	case inst = <-p.idle:
	default:
		var err error
		if inst, err = p.instantiate(ctx); err != nil {
			if ctx.Err() != nil {
				return p.ctxResult(ctx, "creating an instance")
			}
			return abstain(name, CodeInstantiate, fmt.Sprintf("create instance: %v", err))
		}
	}

	out, res, ok := inst.call(ctx, input, p.host.opts.MaxOutput)
	if !ok {
		// Whatever went wrong, this instance's state is suspect: discard it.
		_ = inst.mod.Close(context.Background())
		if res.Code == "" {
			res = p.ctxResult(ctx, "running")
		}
		res.Plugin = name
		return res
	}
	res = decodeOutput(name, out)
	if res.Fault {
		_ = inst.mod.Close(context.Background()) // a guest that misbehaves is not reused
		return res
	}
	p.idle <- inst
	return res
}

// ctxResult is the abstention for a call whose context ended while doing what.
func (p *plugin) ctxResult(ctx context.Context, doing string) Result {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return abstain(p.ref.Name, CodeTimeout, fmt.Sprintf("wall-clock limit reached while %s", doing))
	}
	return abstain(p.ref.Name, CodeCanceled, fmt.Sprintf("call canceled while %s", doing))
}

// call writes input into the guest, runs evaluate and copies the output
// out. ok is false if the instance must be discarded; then res is the
// fault, or has an empty Code when the context ended (the caller turns
// that into an abstention).
//
// In the steady state this is one guest call: the input buffer is the
// host's and reused (it is replaced, with free and alloc, only when an
// input does not fit), and the output stays the guest's, valid until the
// next call into the module.
func (in *instance) call(ctx context.Context, input []byte, maxOutput int) (out []byte, res Result, ok bool) {
	if uint64(len(input)) > uint64(in.inCap) {
		if in.inCap > 0 {
			in.stack[0] = uint64(in.inPtr)
			if err := in.free.CallWithStack(ctx, in.stack[:]); err != nil {
				return nil, callFault(ctx, ExportFree, err), false
			}
			in.inPtr, in.inCap = 0, 0
		}
		size := uint32(max(len(input), minInputBuffer))
		in.stack[0] = uint64(size)
		if err := in.alloc.CallWithStack(ctx, in.stack[:]); err != nil {
			return nil, callFault(ctx, ExportAlloc, err), false
		}
		ptr := uint32(in.stack[0])
		if end := uint64(ptr) + uint64(size); end > uint64(in.mem.Size()) {
			return nil, Result{Verdict: pbft.Reject, Fault: true, Code: CodeBadPointer,
				Reason: fmt.Sprintf("alloc(%d) returned %#x, outside the guest's %d bytes of memory", size, ptr, in.mem.Size())}, false
		}
		in.inPtr, in.inCap = ptr, size
	}
	if !in.mem.Write(in.inPtr, input) { // cannot fail: checked at alloc, and memory never shrinks
		return nil, Result{Verdict: pbft.Reject, Fault: true, Code: CodeBadPointer, Reason: "input buffer outside the guest's memory"}, false
	}

	in.stack[0], in.stack[1] = uint64(in.inPtr), uint64(len(input))
	if err := in.evaluate.CallWithStack(ctx, in.stack[:]); err != nil {
		return nil, callFault(ctx, ExportEvaluate, err), false
	}
	outPtr, outLen := uint32(in.stack[0]>>32), uint32(in.stack[0])
	if uint64(outLen) > uint64(maxOutput) {
		return nil, Result{Verdict: pbft.Reject, Fault: true, Code: CodeOutputTooBig,
			Reason: fmt.Sprintf("output is %d bytes, limit %d", outLen, maxOutput)}, false
	}
	view, inRange := in.mem.Read(outPtr, outLen)
	if !inRange {
		return nil, Result{Verdict: pbft.Reject, Fault: true, Code: CodeBadPointer,
			Reason: fmt.Sprintf("output %#x+%d lies outside the guest's %d bytes of memory", outPtr, outLen, in.mem.Size())}, false
	}
	return append([]byte(nil), view...), Result{}, true // copied before the guest runs again
}

// minInputBuffer is the smallest input buffer the host asks a guest for, so
// that one allocation serves typical inputs.
const minInputBuffer = 4 << 10

// callFault classifies an error from a guest function: the context ending
// yields an empty Result (abstain), anything else is the guest's fault.
func callFault(ctx context.Context, fn string, err error) Result {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			return Result{}
		}
	}
	if ctx.Err() != nil {
		return Result{}
	}
	if errors.Is(err, errHostBadPointer) {
		return Result{Verdict: pbft.Reject, Fault: true, Code: CodeBadPointer,
			Reason: fmt.Sprintf("plugin passed a host function a range outside its memory during %s", fn)}
	}
	if exit != nil {
		return Result{Verdict: pbft.Reject, Fault: true, Code: CodeTrap,
			Reason: fmt.Sprintf("plugin exited with code %d during %s", exit.ExitCode(), fn)}
	}
	return Result{Verdict: pbft.Reject, Fault: true, Code: CodeTrap,
		Reason: fmt.Sprintf("plugin trapped during %s: %s", fn, firstLine(err.Error()))}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
