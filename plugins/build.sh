#!/bin/sh
# Builds every plugin (plugins/<name>/main.go) into plugins/build/<name>.wasm
# as a WASI reactor and prints each module's SHA-256, the digest the chain
# config pins. -trimpath and -buildvcs=false keep the digest independent of
# the checkout path and of git state: same source + same Go version = same
# digest on every machine.
set -eu
cd "$(dirname "$0")/.."
mkdir -p plugins/build
for main in plugins/*/main.go; do
	dir=$(dirname "$main")
	name=$(basename "$dir")
	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -buildmode=c-shared -trimpath -buildvcs=false \
		-o "plugins/build/$name.wasm" "./$dir"
done
cd plugins/build && sha256sum *.wasm
