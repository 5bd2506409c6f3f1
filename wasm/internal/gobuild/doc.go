// Package gobuild builds a Go plugin directory into a Wasm module with the
// flags plugins/build.sh uses. It runs the go command found on PATH.
package gobuild
