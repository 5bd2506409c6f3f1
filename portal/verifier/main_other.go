//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "verifier is a WebAssembly module for the portal's pages: build it with make verifier (GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
