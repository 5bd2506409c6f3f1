package wasm

import (
	"context"
	"crypto/ed25519"
	"errors"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// errHostBadPointer is the panic of a host function given a pointer or
// length outside the guest's memory; wazero turns it into a trap, which the
// host reports as a fault with CodeBadPointer.
var errHostBadPointer = errors.New("wasm: host function argument outside the guest's memory")

// instantiateHostFunctions defines module HostModule with the functions
// plugins may import. Each is pure and deterministic: its result depends
// only on its arguments and the guest memory they point to.
func instantiateHostFunctions(ctx context.Context, rt wazero.Runtime, notes *SigNotes) error {
	_, err := rt.NewHostModuleBuilder(HostModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(ed25519VerifyFunc(notes)), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("pub", "msg", "msg_len", "sig").
		Export(HostEd25519Verify).
		Instantiate(ctx)
	return err
}

// ed25519VerifyFunc is careerchain.ed25519_verify(pub, msg, msg_len, sig)
// -> i32: 1 if the 64 bytes at sig are a valid Ed25519 signature
// (crypto/ed25519.Verify) of the msg_len bytes at msg by the 32-byte public
// key at pub, else 0. Any range outside memory traps. It verifies through
// the host's SigNotes, which answer a payment plugin's check of a receipt
// signature that this replica's CheckStateless has just verified without
// verifying it again.
func ed25519VerifyFunc(notes *SigNotes) func(context.Context, api.Module, []uint64) {
	return func(_ context.Context, mod api.Module, stack []uint64) {
		ed25519Verify(notes, mod, stack)
	}
}

func ed25519Verify(notes *SigNotes, mod api.Module, stack []uint64) {
	mem := mod.Memory()
	pub, ok1 := mem.Read(api.DecodeU32(stack[0]), ed25519.PublicKeySize)
	msg, ok2 := mem.Read(api.DecodeU32(stack[1]), api.DecodeU32(stack[2]))
	sig, ok3 := mem.Read(api.DecodeU32(stack[3]), ed25519.SignatureSize)
	if !ok1 || !ok2 || !ok3 {
		panic(errHostBadPointer)
	}
	var r uint64
	if notes.Verify(pub, msg, sig) {
		r = 1
	}
	stack[0] = r
}
