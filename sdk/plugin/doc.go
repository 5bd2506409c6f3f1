// Package plugin is the guest SDK for Careerchain plugins written in Go. It
// hides the plugin ABI v1 (see package wasm): memory management, the JSON
// documents, the ABI marker, turning a panic into a rejection, and letting
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
//		if in.Tx.Career == nil {
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
// can be unit-tested natively with [Handle]; wasm/wasmtest runs the built
// module in the real host.
//
// Invariants: a handler must be deterministic — it gets the block time in
// [Input.Time] and must not read clocks, random numbers or depend on map
// iteration order, since every replica must reach the same verdict. The
// package keeps the registered handler and the live ABI buffers in
// package-level variables: a Wasm instance is single-threaded and runs one
// call at a time.
package plugin
