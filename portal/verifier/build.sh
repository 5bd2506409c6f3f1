#!/bin/sh
# Builds the in-browser verifier (portal/verifier, the light client
# sdk/verify compiled to WebAssembly) into portal/web/static/verify.wasm and
# copies the wasm_exec.js of the same Go next to it: the portal embeds both
# (neither is committed). -s -w drops the symbol table and DWARF, which the
# browser never reads; -trimpath and -buildvcs=false keep the module the
# same on every machine for the same source and Go version.
set -eu
cd "$(dirname "$0")/../.."
out=portal/web/static
GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags='-s -w' -o "$out/verify.wasm" ./portal/verifier
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$out/wasm_exec.js"
chmod 644 "$out/wasm_exec.js"
