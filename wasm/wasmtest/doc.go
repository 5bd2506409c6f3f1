// Package wasmtest helps plugin authors test a plugin in the real host: it
// builds a Go plugin directory into a Wasm module the way plugins/build.sh
// does, pins it, loads it into a [wasm.Host] and runs it against sample
// transactions.
//
// It runs the Go toolchain ("go" on PATH) and is meant for tests and tools,
// not for replicas.
package wasmtest
