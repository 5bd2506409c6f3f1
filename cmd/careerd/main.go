// Command careerd runs Careerchain's daemons: a replica (node), the
// membership service (msp), the web portal (portal), the whole network on
// one machine with the portal and a dev login issuer (dev), the
// genesis generator (init), and the multi-process benchmark (bench).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/careerchain/careerchain/internal/bench"
	"github.com/careerchain/careerchain/internal/gctune"
	"github.com/careerchain/careerchain/msp"
	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/wasm"
)

const usage = `usage: careerd <command> [flags]

commands:
  dev    [--data DIR] [--replicas N]   the whole network on this machine (default: ./data, 4 replicas),
                                       with the portal and a dev login issuer
  portal --config FILE                 the web portal alone, against a remote network
  node   --config FILE                 one replica, from a config file written by init
  msp    --config FILE | --testnet DIR the membership service provider
  bench  [--replicas N] [--clients K | --sweep] [--plugins on|off|both] [--targets URLS --data DIR]
                                       start N careerd node processes (or drive running ones) and measure
  init   --dir DIR [--replicas N] [--host H] [--base-port P] [--chain-id ID] [--pow D]
                                       write genesis, keys and per-replica configs
`

func main() {
	gctune.Apply()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch os.Args[1] {
	case "dev":
		err = runDev(ctx, os.Args[2:], log, os.Stdout)
	case "node":
		err = runNode(ctx, os.Args[2:], log)
	case "init":
		err = runInit(os.Args[2:], os.Stdout)
	case "msp":
		err = runMSP(ctx, os.Args[2:], log)
	case "portal":
		err = runPortal(ctx, os.Args[2:], log)
	case "bench":
		err = runBenchCommand(ctx, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "careerd: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "careerd %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func runInit(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory to write the testnet into (required)")
	n := fs.Int("replicas", 4, "number of replicas")
	host := fs.String("host", "127.0.0.1", "host the replicas listen on")
	port := fs.Int("base-port", 7400, "replica i listens on base+i (QUIC) and base+100+i (API)")
	chainID := fs.String("chain-id", "careerchain-dev", "chain id")
	pow := fs.Uint("pow", 0, "PoW difficulty in leading zero bits (0 = off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	if *pow > 32 {
		return fmt.Errorf("--pow %d is too high (at most 32)", *pow)
	}
	tn, err := node.GenerateTestnet(*dir, *n, node.TestnetOptions{ChainID: *chainID, Host: *host, BasePort: *port, PoWDifficulty: uint8(*pow)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s and %d replica configs:\n", tn.GenesisPath, len(tn.ConfigPaths))
	for _, p := range tn.ConfigPaths {
		fmt.Fprintf(out, "  careerd node --config %s\n", p)
	}
	return nil
}

func runNode(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "replica config file (required)")
	pluginDir := fs.String("plugins", "plugins/build", "directory holding the Wasm modules the chain config pins (<name>.wasm)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" {
		return errors.New("--config is required")
	}
	cfg, err := node.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	cfg.Logger = log.With("replica", cfg.ID)
	if len(cfg.Genesis.Config.Plugins) > 0 {
		p, err := node.NewWasmPlugins(ctx, *pluginDir, wasm.Options{CacheDir: filepath.Join(cfg.DataDir, "wasm-cache"), Logger: log})
		if err != nil {
			return err
		}
		defer p.Close(context.Background())
		cfg.Plugins = p
	}
	n, err := node.New(cfg)
	if err != nil {
		return err
	}
	return n.Run(ctx)
}

// runDev starts the development network: n replicas in this process
// over real QUIC on loopback, each with its own bbolt ledger under DIR. A
// second start on the same DIR resumes the chain.
func runDev(ctx context.Context, args []string, log *slog.Logger, out io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	dir := fs.String("data", "data", "data directory (created if missing; reused if present)")
	n := fs.Int("replicas", 4, "number of replicas (only when the directory is new)")
	port := fs.Int("base-port", 7400, "replica i listens on base+i (QUIC) and base+100+i (API)")
	mspAddr := fs.String("msp", "127.0.0.1:7390", "address of the MSP's API")
	pluginDir := fs.String("plugins", "plugins/build", "directory of built Wasm plugins to pin in a new genesis (make plugins)")
	portalAddr := fs.String("portal", "127.0.0.1:7300", "address of the web portal")
	issuerAddr := fs.String("issuer", "127.0.0.1:7380", "address of the dev OpenID Connect issuer")
	paymentsAddr := fs.String("payments", "127.0.0.1:7370", "address of the payment providers' local fakes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gpath := filepath.Join(*dir, "genesis.json")
	if _, err := os.Stat(gpath); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "creating a %d-replica network in %s\n", *n, *dir)
		opts := node.TestnetOptions{BasePort: *port}
		if mods, _ := filepath.Glob(filepath.Join(*pluginDir, "*.wasm")); len(mods) > 0 {
			opts.PluginDir = *pluginDir
			fmt.Fprintf(out, "pinning %d plugins from %s in the genesis\n", len(mods), *pluginDir)
		} else {
			fmt.Fprintf(out, "no plugins in %s (run make plugins): the chain runs without Wasm plugins\n", *pluginDir)
		}
		if _, err := node.GenerateTestnet(*dir, *n, opts); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "resuming the network in %s\n", *dir)
	}
	paths, err := filepath.Glob(filepath.Join(*dir, "node*", "config.json"))
	if err != nil || len(paths) == 0 {
		return fmt.Errorf("no replica configs under %s: remove the directory to start afresh", *dir)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One plugin host serves the in-process replicas: a module compiles once.
	var plugins *node.WasmPlugins
	defer func() {
		if plugins != nil {
			plugins.Close(context.Background())
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, len(paths))
	var urls []string
	for _, p := range paths {
		cfg, err := node.LoadConfig(p)
		if err != nil {
			return err
		}
		cfg.Logger = log.With("replica", cfg.ID)
		if len(cfg.Genesis.Config.Plugins) > 0 {
			if plugins == nil {
				if plugins, err = node.NewWasmPlugins(ctx, *pluginDir, wasm.Options{CacheDir: filepath.Join(*dir, "wasm-cache"), Logger: log}); err != nil {
					return err
				}
			}
			cfg.Plugins = plugins
		}
		nd, err := node.New(cfg)
		if err != nil {
			return fmt.Errorf("replica %d: %w", cfg.ID, err)
		}
		defer nd.Close() // releases the ledger; runs after wg.Wait below
		urls = append(urls, "http://"+cfg.APIAddr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := nd.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("replica %d: %w", cfg.ID, err)
				cancel()
			}
		}()
	}
	if err := waitReady(ctx, urls); err != nil {
		cancel()
		wg.Wait()
		return err
	}
	mcfg, err := msp.TestnetConfig(*dir, *mspAddr)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	mcfg.Logger = log.With("role", "msp")
	svc, err := msp.New(mcfg)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	defer svc.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := svc.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs <- fmt.Errorf("msp: %w", err)
			cancel()
		}
	}()
	if err := waitReady(ctx, []string{"http://" + *mspAddr}); err != nil {
		cancel()
		wg.Wait()
		return err
	}
	portalLines, closePortal, err := devPortal(ctx, &wg, *dir, *portalAddr, *issuerAddr, *paymentsAddr, *pluginDir, "http://"+*mspAddr, urls, log)
	if err != nil {
		cancel()
		wg.Wait()
		return err
	}
	defer closePortal() // runs after wg.Wait below
	fmt.Fprintln(out, "Careerchain dev network is up.")
	for _, l := range portalLines {
		fmt.Fprintln(out, l)
	}
	fmt.Fprintf(out, "  MSP:       http://%s   (GET /api/v1/status: members, leader, view, height)\n", *mspAddr)
	for _, u := range urls {
		fmt.Fprintf(out, "  replica:   %s   (GET %s/api/v1/status)\n", u, u)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop; run again on the same --data to resume.")
	<-ctx.Done()
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	fmt.Fprintln(out, "stopped")
	return nil
}

// waitReady polls each replica's status endpoint until all answer.
func waitReady(ctx context.Context, urls []string) error {
	return bench.WaitReady(ctx, urls, nil)
}
