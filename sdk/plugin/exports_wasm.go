//go:build wasm

//lint:file-ignore U1000 these functions are exported to the host by //go:wasmexport

package plugin

import (
	"runtime"
	"unsafe"
)

// Per-instance state of the exports. A Wasm instance is single-threaded and
// runs one export call at a time.
var (
	// buffers keeps every buffer alloc handed out reachable until free;
	// Go's collector does not move objects, so the address stays valid.
	buffers = map[uint32][]byte{}
	// out is the last output document. The host copies it before its next
	// call into the module, so evaluate reuses it.
	out []byte
	// calls counts evaluate calls, to yield to the collector every
	// gcEvery calls.
	calls uint32
	// in is the buffer evaluate was last called with (the host reuses one
	// input buffer per instance), saving the map look-up.
	in    []byte
	inPtr uint32
	// scratch backs the decoded Skills and Evidence of each call.
	scratch lists
)

// gcEvery is how often evaluate yields so that the collector's goroutines
// run: a reactor's goroutines run only when an export yields. Yielding costs
// a few microseconds; the heap of calls in between stays small.
const gcEvery = 16

//go:wasmexport careerchain_abi_v1
func abiV1() {}

//go:wasmexport alloc
func alloc(size uint32) uint32 {
	b := make([]byte, max(size, 1))
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	buffers[p] = b
	return p
}

//go:wasmexport free
func free(ptr uint32) {
	delete(buffers, ptr)
	if ptr == inPtr {
		in, inPtr = nil, 0
	}
}

//go:wasmexport evaluate
func evaluate(ptr, size uint32) uint64 {
	if in == nil || ptr != inPtr {
		in, inPtr = buffers[ptr], ptr
	}
	if in != nil && uint64(size) <= uint64(len(in)) {
		out = AppendOutput(out[:0], run(registered, in[:size], &scratch))
	} else {
		out = AppendOutput(out[:0], Reject(CodeMalformedInput, "evaluate called with a buffer alloc did not return"))
	}
	if calls++; calls%gcEvery == 0 {
		runtime.Gosched()
	}
	return uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))<<32 | uint64(len(out))
}
