package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Network is the set of replicas a benchmark drives: their API URLs, and
// the processes when the benchmark started them (nil when it targets
// running replicas).
type Network struct {
	URLs    []string
	Procs   []*exec.Cmd
	Keys    Keys
	Params  chain.Params
	exited  []chan struct{} // closed when the i-th process has exited
	exitErr []error         // its Wait error, set before exited[i] closes
}

// LaunchOptions configure Launch.
type LaunchOptions struct {
	Exe       string // the careerd binary
	Dir       string // a new directory for the testnet (must not hold a genesis)
	Replicas  int
	BasePort  int    // replica i: QUIC on BasePort+i, API on BasePort+100+i
	PluginDir string // built Wasm plugins to pin in the genesis; "" runs without plugins
}

// Launch writes a testnet (node.GenerateTestnet, as careerd dev does) and
// starts each replica as a `careerd node` process, its output in
// nodeI/node.log, and waits until every API answers.
func Launch(ctx context.Context, o LaunchOptions) (*Network, error) {
	tn, err := node.GenerateTestnet(o.Dir, o.Replicas, node.TestnetOptions{BasePort: o.BasePort, PluginDir: o.PluginDir})
	if err != nil {
		return nil, err
	}
	nw, err := Open(o.Dir, nil)
	if err != nil {
		return nil, err
	}
	for i, cp := range tn.ConfigPaths {
		log, err := os.Create(filepath.Join(filepath.Dir(cp), "node.log"))
		if err != nil {
			nw.Stop()
			return nil, err
		}
		args := []string{"node", "--config", cp}
		if o.PluginDir != "" {
			args = append(args, "--plugins", o.PluginDir)
		}
		cmd := exec.Command(o.Exe, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			log.Close()
			nw.Stop()
			return nil, fmt.Errorf("starting replica %d: %w", i+1, err)
		}
		done := make(chan struct{})
		nw.Procs = append(nw.Procs, cmd)
		nw.exited = append(nw.exited, done)
		nw.exitErr = append(nw.exitErr, nil)
		go func() {
			nw.exitErr[i] = cmd.Wait()
			log.Close()
			close(done)
		}()
	}
	if err := nw.waitReady(ctx); err != nil {
		nw.Stop()
		return nil, err
	}
	return nw, nil
}

// Open describes the network of the testnet in dir (its genesis and role
// keys); urls, when given, replace the genesis members' API URLs as the
// targets.
func Open(dir string, urls []string) (*Network, error) {
	g, err := genesis.Load(filepath.Join(dir, "genesis.json"))
	if err != nil {
		return nil, err
	}
	keys, err := LoadKeys(dir, g.ChainID)
	if err != nil {
		return nil, err
	}
	nw := &Network{URLs: urls, Keys: keys, Params: g.Config.Params(g.ChainID, chain.DefaultMaxTxBytes)}
	if len(nw.URLs) == 0 {
		for _, m := range g.Members {
			nw.URLs = append(nw.URLs, m.API)
		}
	}
	return nw, nil
}

// waitReady waits for every replica's API, or for a started one to exit.
func (nw *Network) waitReady(ctx context.Context) error {
	return WaitReady(ctx, nw.URLs, func(i int) error {
		select {
		case <-nw.exited[i]:
			return fmt.Errorf("replica %d exited before it was ready (%v): see its node.log", i+1, nw.exitErr[i])
		default:
			return nil
		}
	})
}

// WaitReady polls each API's /api/v1/status until all answer 200, or 60 s
// pass, or gone (if not nil) reports an error for the i-th.
func WaitReady(ctx context.Context, urls []string, gone func(i int) error) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for i, u := range urls {
		for {
			resp, err := hc.Get(u + "/api/v1/status")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if gone != nil {
				if err := gone(i); err != nil {
					return err
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("replica at %s did not answer within 60 s: %v", u, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// Stop ends the processes Launch started: SIGTERM, then SIGKILL after
// 10 s. It returns the first exit that was not the requested stop.
func (nw *Network) Stop() error {
	var first error
	for i, cmd := range nw.Procs {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-nw.exited[i]:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-nw.exited[i]
		}
		err := nw.exitErr[i]
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled()) && first == nil {
			first = fmt.Errorf("replica %d: %w", i+1, err)
		}
	}
	nw.Procs = nil
	return first
}
