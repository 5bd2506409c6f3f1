// Package precompile holds, in its test binary, the helper the wasm
// package's tests run to build their Go guest modules and compile them into
// a wazero compilation cache without the race detector (where wazero's
// compiler is some twenty times faster). It must run as a test binary:
// wazero names its cache after its own version, which a test binary reports
// as "dev", so only a test binary's cache serves the tests' hosts.
//
//	go test -count=1 -run '^$' ./wasm/internal/precompile -args -precompile.cache DIR -precompile.out DIR name=pkgdir...
package precompile
