// Command hostile is a test plugin that misbehaves on request: the mode is
// the plugin config string. It speaks ABI v1 by hand (no SDK) so it can
// return whatever it likes.
package main

import (
	"encoding/binary"
	"os"
	"strings"
	"unsafe"
)

var (
	live  = map[uint32][]byte{}
	hoard [][]byte
)

func pin(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)
	}
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	live[p] = b
	return p
}

//go:wasmexport careerchain_abi_v1
func marker() {}

//go:wasmexport alloc
func alloc(n uint32) uint32 { return pin(make([]byte, n)) }

//go:wasmexport free
func free(p uint32) { delete(live, p) }

//go:wasmexport evaluate
func evaluate(p, n uint32) uint64 {
	in := live[p][:n]               // the host's input buffer: read, never kept
	mode := string(field(in, 0x06)) // the config string
	out := `{"verdict":"accept","code":"ok"}`
	switch mode {
	case "loop":
		for {
		}
	case "grow":
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	case "panic":
		panic("hostile plugin panics")
	case "exit":
		os.Exit(3)
	case "bigout":
		out = `{"verdict":"accept","reason":"` + strings.Repeat("x", 1<<20) + `"}`
	case "badptr":
		return uint64(0xfffff000)<<32 | 4096
	case "hugelen":
		return uint64(pin([]byte(out)))<<32 | 0xffffffff
	case "badjson":
		out = `this is not json`
	case "badverdict":
		out = `{"verdict":"maybe"}`
	case "verifybad":
		verify(0xfffffff0, 0, 0, 0) // a key outside memory: the host traps
	case "badscore":
		out = `{"verdict":"accept","score_ppm":2000000}`
	case "echo-height":
		// Reject odd heights: a deterministic function of the input.
		if h := field(in, 0x04); len(h) == 8 && binary.LittleEndian.Uint64(h)%2 == 1 {
			out = `{"verdict":"reject","code":"odd"}`
		}
	}
	return uint64(pin([]byte(out)))<<32 | uint64(len(out))
}

//go:wasmimport careerchain ed25519_verify
func verify(pub, msg, msgLen, sig uint32) uint32

// field returns the value of the first field tagged tag in an ABI v1 input
// document (tag byte, uint32 length, value), or nil.
func field(doc []byte, tag byte) []byte {
	for i := 0; i+5 <= len(doc); {
		n := int(binary.LittleEndian.Uint32(doc[i+1:]))
		if i+5+n > len(doc) {
			return nil
		}
		if doc[i] == tag {
			return doc[i+5 : i+5+n]
		}
		i += 5 + n
	}
	return nil
}

func main() {}
