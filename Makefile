# Careerchain — see README.md. Everything here runs on a fresh machine with Go 1.26.
GO       ?= go
PKGS     ?= ./...
BIN      := bin
PLUGINS  := $(wildcard plugins/*/main.go)

.PHONY: all build run test bench soak chaos lint fmt plugins verifier clean

all: build

build: plugins verifier
	$(GO) build -o $(BIN)/ ./cmd/...

## run: start the whole network on this machine (careerd dev) and print its URLs.
run: build
	$(BIN)/careerd dev --data data

## plugins: build the shipped Wasm plugins from source.
plugins:
	@if [ -x plugins/build.sh ]; then plugins/build.sh; fi

## verifier: the in-browser verifier (sdk/verify as WebAssembly) the portal embeds.
verifier:
	portal/verifier/build.sh

## test: every test with the race detector, fuzz seed corpora included; the light
## client's tests again under GOOS=js (Node.js), as the browser runs it.
test: plugins verifier
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec="$$($(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./sdk/verify/

## bench: the benchmarks whose figures docs/BENCHMARKS.md reports.
bench: plugins
	$(GO) test -run '^$$' -bench . -benchmem -count 5 $(PKGS)

## soak: the long deterministic simulation and adversary (20x the seeds), then 10 minutes of schedule fuzzing.
soak:
	PBFT_SOAK=1 $(GO) test -count=1 -timeout 60m -run 'TestSim|TestAdversary|TestTwins' ./pbft/
	$(GO) test -run '^$$' -fuzz=FuzzSchedule -fuzztime=10m ./pbft/

## chaos: the long fault campaign (100 SIGKILL cycles and every other fault) against careerd
## node processes, in network namespaces when run as root; report in test-artifacts/chaos-report.json.
chaos:
	CHAOS_LONG=1 $(GO) test -count=1 -timeout 90m -run TestFaultCampaign -v ./internal/chaos/

lint:
	@out=$$(gofmt -l . | grep -v '^plugins/build/' || true); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf $(BIN) plugins/build portal/web/static/verify.wasm portal/web/static/wasm_exec.js
