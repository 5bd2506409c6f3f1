//go:build wasm

//lint:file-ignore U1000 these functions are exported to the host by //go:wasmexport

package plugin

import (
	"runtime"
	"unsafe"
)

// buffers keeps every buffer handed to the host reachable until the host
// (or evaluate) frees it; Go's collector does not move objects, so the
// address stays valid.
var buffers = map[uint32][]byte{}

func pin(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)
	}
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	buffers[p] = b
	return p
}

//go:wasmexport careerchain_abi_v1
func abiV1() {}

//go:wasmexport alloc
func alloc(size uint32) uint32 { return pin(make([]byte, size)) }

//go:wasmexport free
func free(ptr uint32) { delete(buffers, ptr) }

//go:wasmexport evaluate
func evaluate(ptr, size uint32) uint64 {
	var out []byte
	if b, ok := buffers[ptr]; ok && uint64(size) <= uint64(len(b)) {
		delete(buffers, ptr)
		out = Handle(registered, b[:size])
	} else {
		out = []byte(`{"verdict":"reject","code":"malformed_input","reason":"evaluate called with a buffer alloc did not return"}`)
	}
	p := pin(out)
	// A reactor's goroutines, the collector's included, run only when the
	// export yields; without this the heap grows from call to call.
	runtime.Gosched()
	return uint64(p)<<32 | uint64(len(out))
}
