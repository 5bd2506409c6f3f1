package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/wasm"
)

// pluginCommand implements "careerctl plugin run MODULE --tx FILE ...": it
// loads the module into a wasm.Host exactly as a replica does (pinned by its
// own SHA-256, sandboxed, same limits) and prints the Result as JSON. The
// verdict is data, not an error: the command fails only when it cannot run
// the plugin.
func pluginCommand(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return fmt.Errorf("%w: plugin needs the subcommand run", errUsage)
	}
	fs := flag.NewFlagSet("plugin run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		txFile   = fs.String("tx", "", "transaction JSON file (sdk/chain Tx), - for stdin")
		config   = fs.String("config", "", "plugin config string, as the chain config would give it")
		kind     = fs.String("kind", wasm.KindValidator, "plugin kind: validator, payment or scorer")
		name     = fs.String("name", "", "plugin name (default: the module's file name)")
		chainID  = fs.String("chain", "careerchain-dev", "chain id passed to the plugin")
		height   = fs.Uint64("height", 1, "block height passed to the plugin")
		unix     = fs.Int64("time", 0, "block time passed to the plugin, Unix seconds (default: now)")
		timeout  = fs.Duration("timeout", wasm.DefaultCallTimeout, "wall-clock limit of the call")
		noCache  = fs.Bool("no-cache", false, "do not use the on-disk compilation cache")
		module   string
		rest     = args[1:]
		parseErr error
	)
	// Accept the module before or after the flags.
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		module, rest = rest[0], rest[1:]
	}
	if parseErr = fs.Parse(rest); parseErr != nil {
		return fmt.Errorf("%w: %v", errUsage, parseErr)
	}
	if module == "" && fs.NArg() > 0 {
		module = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if module == "" || *txFile == "" {
		return fmt.Errorf("%w: plugin run needs MODULE and --tx FILE", errUsage)
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(module), ".wasm")
	}
	if *unix == 0 {
		*unix = time.Now().Unix()
	}

	code, err := os.ReadFile(module)
	if err != nil {
		return err
	}
	tx, err := readTx(*txFile, stdin)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(code)
	ref := chain.PluginRef{Name: *name, Version: "local", Kind: *kind, SHA256: hex.EncodeToString(sum[:]), Config: *config}

	opts := wasm.Options{PoolSize: 1, CallTimeout: *timeout}
	if !*noCache {
		if dir, err := os.UserCacheDir(); err == nil {
			opts.CacheDir = filepath.Join(dir, "careerchain", "wazero")
		}
	}
	h, err := wasm.NewHost(ctx, opts)
	if err != nil {
		return err
	}
	defer h.Close(ctx)
	if err := h.Load(ctx, ref, code); err != nil {
		return err
	}
	res := h.Evaluate(ctx, ref.Name, wasm.Input{ChainID: *chainID, Height: *height, Time: *unix, Tx: tx})
	out, err := json.MarshalIndent(struct {
		wasm.Result
		SHA256 string `json:"sha256"`
	}{res, ref.SHA256}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

// readTx reads a transaction from a JSON file (or stdin for "-"); unknown
// fields are refused so that a typo does not pass silently.
func readTx(file string, stdin io.Reader) (chain.Tx, error) {
	var (
		b   []byte
		err error
	)
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(stdin, chain.DefaultMaxTxBytes+1))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return chain.Tx{}, err
	}
	if len(b) > chain.DefaultMaxTxBytes {
		return chain.Tx{}, fmt.Errorf("transaction %s is over %d bytes", file, chain.DefaultMaxTxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var tx chain.Tx
	if err := dec.Decode(&tx); err != nil {
		return chain.Tx{}, fmt.Errorf("transaction %s: %w", file, err)
	}
	return tx, nil
}
