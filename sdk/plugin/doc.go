// Package plugin is the guest SDK for Careerchain plugins written in Go. It
// hides the plugin ABI v1 (see package wasm): memory management, the input
// and output documents (decoded and encoded without reflection, so that a
// module stays small and a call cheap), the ABI marker, the host's native
// Ed25519 ([Ed25519Verify]), turning a panic into a rejection, and letting
// the Go garbage collector run between calls.
//
// A plugin is a package main that registers one [Handler] from a
// package-level variable (a reactor's main function never runs):
//
//	package main
//
//	import "github.com/careerchain/careerchain/sdk/plugin"
//
//	var _ = plugin.Register(check)
//
//	func check(in plugin.Input) plugin.Output {
//		if !in.HasCareer {
//			return plugin.Reject("no_career", "not a career transaction")
//		}
//		return plugin.Accept()
//	}
//
//	func main() {}
//
// and is built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false -o check.wasm .
//
// On other targets the package compiles without its exports, so a handler
// can be unit-tested natively with [Handle] on a document from
// [AppendInput]; wasm/wasmtest runs the built module in the real host. The
// package imports neither sdk/chain nor encoding/json nor fmt: each would
// add megabytes and milliseconds of start-up to every module.
//
// Invariants: a handler must be deterministic — it gets the block time in
// [Input.Time] and must not read clocks, random numbers or depend on map
// iteration order, since every replica must reach the same verdict. The
// package keeps the registered handler, the live ABI buffers and the last
// output in package-level variables: a Wasm instance is single-threaded and
// runs one call at a time. An [Input]'s strings and byte slices are views
// of the host's input buffer, which the host rewrites for the next call:
// decoding copies and allocates nothing, and a handler that keeps a value
// beyond its call must copy it (strings.Clone).
package plugin
