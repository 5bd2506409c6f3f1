package precompile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
	"github.com/careerchain/careerchain/wasm/internal/gobuild"
)

var (
	cacheFlag = flag.String("precompile.cache", "", "compilation cache directory")
	outFlag   = flag.String("precompile.out", "", "directory for the built modules (name.wasm)")
)

// TestMain builds and compiles the modules named on the command line when
// -precompile.cache is given, and otherwise runs the (absent) tests.
func TestMain(m *testing.M) {
	flag.Parse()
	if *cacheFlag == "" {
		os.Exit(m.Run())
	}
	if err := run(*cacheFlag, *outFlag, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "precompile:", err)
		os.Exit(1)
	}
}

func run(cache, out string, specs []string) error {
	if out == "" {
		return fmt.Errorf("-precompile.out is required")
	}
	ctx := context.Background()
	h, err := wasm.NewHost(ctx, wasm.Options{CacheDir: cache, PoolSize: 1})
	if err != nil {
		return err
	}
	defer h.Close(ctx)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []string
		sem  = make(chan struct{}, 2)
	)
	for _, spec := range specs {
		name, dir, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("argument %q is not name=pkgdir", spec)
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := buildAndCompile(ctx, h, name, dir, filepath.Join(out, name+".wasm")); err != nil {
				mu.Lock()
				errs = append(errs, err.Error())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// buildAndCompile builds the module; loading it compiles it into the cache.
// A module the host refuses for its imports (a test guest meant to be
// refused) is compiled all the same, since the checks run after compiling.
func buildAndCompile(ctx context.Context, h *wasm.Host, name, dir, out string) error {
	mod, err := gobuild.Build(ctx, dir, out)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(mod)
	ref := chain.PluginRef{Name: name, Kind: wasm.KindValidator, SHA256: hex.EncodeToString(sum[:])}
	if err := h.Load(ctx, ref, mod); err != nil && !strings.Contains(err.Error(), "forbidden import") {
		return err
	}
	return nil
}
