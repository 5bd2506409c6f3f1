package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Options configure a Cluster.
type Options struct {
	Binary   string // the careerd binary (required)
	Dir      string // working directory, created (required)
	Replicas int    // default 4
	// Netns puts each replica in its own network namespace (root and `ip`
	// required); see NetnsAvailable.
	Netns bool
	Logf  func(format string, args ...any) // progress lines (default: none)
}

// Cluster is a network of careerd node processes.
type Cluster struct {
	o     Options
	tn    *node.Testnet
	hosts []string // replica i's IP
	api   []string // replica i's API base URL
	net   *netns   // nil on loopback

	mu    sync.Mutex
	procs []*proc
}

type proc struct {
	cmd    *exec.Cmd
	done   chan struct{}
	err    error
	paused bool
}

// New writes a fresh testnet under o.Dir (addresses on loopback, or in
// namespaces) without starting it.
func New(o Options) (*Cluster, error) {
	if o.Replicas == 0 {
		o.Replicas = 4
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	c := &Cluster{o: o, procs: make([]*proc, o.Replicas)}
	base, err := freeBase(o.Replicas)
	if err != nil {
		return nil, err
	}
	c.tn, err = node.GenerateTestnet(o.Dir, o.Replicas, node.TestnetOptions{ChainID: "careerchain-chaos", BasePort: base})
	if err != nil {
		return nil, err
	}
	for range o.Replicas {
		c.hosts = append(c.hosts, "127.0.0.1")
	}
	if o.Netns {
		if c.net, err = newNetns(o.Replicas); err != nil {
			return nil, err
		}
		c.hosts = c.net.ips
	}
	// Rewrite the addresses (namespaces) and tune the configs for faults:
	// a short submit timeout and a small checkpoint interval, so state
	// transfer is exercised.
	g, err := genesis.Load(c.tn.GenesisPath)
	if err != nil {
		return nil, err
	}
	for i := range o.Replicas {
		quic, api := fmt.Sprintf("%s:%d", c.hosts[i], base+i+1), fmt.Sprintf("%s:%d", c.hosts[i], base+100+i+1)
		g.Members[i].Addr, g.Members[i].API = quic, "http://"+api
		c.api = append(c.api, "http://"+api)
		var fc node.FileConfig
		b, err := os.ReadFile(c.tn.ConfigPaths[i])
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			return nil, err
		}
		fc.Listen, fc.APIListen = quic, api
		fc.SubmitTimeout, fc.CheckpointInterval = "10s", 8
		if err := writeJSON(c.tn.ConfigPaths[i], fc); err != nil {
			return nil, err
		}
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	if err := writeJSON(c.tn.GenesisPath, g); err != nil {
		return nil, err
	}
	c.tn.Genesis = g
	return c, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// freeBase finds a port base whose QUIC (UDP base+i) and API (TCP
// base+100+i) ports are free on loopback now.
func freeBase(n int) (int, error) {
	for try := 0; try < 50; try++ {
		base := 20000 + (os.Getpid()*37+try*211)%30000
		ok := true
		for i := 1; i <= n && ok; i++ {
			u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				break
			}
			u.Close()
			t, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+100+i))
			if err != nil {
				ok = false
				break
			}
			t.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("chaos: no free port range")
}

// N is the number of replicas.
func (c *Cluster) N() int { return c.o.Replicas }

// API is replica i's (0-based) API base URL.
func (c *Cluster) API(i int) string { return c.api[i] }

// Testnet is what the cluster was generated from (keys, genesis).
func (c *Cluster) Testnet() *node.Testnet { return c.tn }

// DataDir is replica i's data directory (its ledger.db is inside).
func (c *Cluster) DataDir(i int) string {
	return filepath.Join(filepath.Dir(c.tn.ConfigPaths[i]), "data")
}

// Start starts replica i's process (a no-op if it runs).
func (c *Cluster) Start(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[i]; p != nil && !p.exited() {
		return nil
	}
	args := []string{"node", "--config", c.tn.ConfigPaths[i]}
	var cmd *exec.Cmd
	if c.net != nil {
		cmd = exec.Command("ip", append([]string{"netns", "exec", c.net.ns[i], c.o.Binary}, args...)...)
	} else {
		cmd = exec.Command(c.o.Binary, args...)
	}
	logf, err := os.OpenFile(filepath.Join(filepath.Dir(c.tn.ConfigPaths[i]), "replica.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	c.procs[i] = p
	return nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to replica i's process. With namespaces the process is
// `ip netns exec`, which execs careerd: the PID is careerd's.
func (c *Cluster) Signal(i int, sig syscall.Signal) error {
	c.mu.Lock()
	p := c.procs[i]
	c.mu.Unlock()
	if p == nil || p.exited() {
		return fmt.Errorf("replica %d is not running", i+1)
	}
	if sig == syscall.SIGSTOP {
		p.paused = true
	} else if sig == syscall.SIGCONT {
		p.paused = false
	}
	return p.cmd.Process.Signal(sig)
}

// Kill SIGKILLs replica i and waits for it to exit.
func (c *Cluster) Kill(i int) error {
	if err := c.Signal(i, syscall.SIGKILL); err != nil {
		return err
	}
	<-c.procs[i].done
	return nil
}

// Stop stops replica i cleanly (SIGTERM) and returns its exit error.
func (c *Cluster) Stop(i int) error {
	c.mu.Lock()
	p := c.procs[i]
	c.mu.Unlock()
	if p == nil || p.exited() {
		return nil
	}
	if p.paused {
		p.cmd.Process.Signal(syscall.SIGCONT)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("replica %d did not stop within 20 s of SIGTERM", i+1)
	}
	return p.err
}

// Exited reports whether replica i's process has exited, with its error.
func (c *Cluster) Exited(i int) (bool, error) {
	c.mu.Lock()
	p := c.procs[i]
	c.mu.Unlock()
	if p == nil {
		return true, nil
	}
	if p.exited() {
		return true, p.err
	}
	return false, nil
}

// Close kills every process and removes the namespaces.
func (c *Cluster) Close() {
	for i := range c.o.Replicas {
		c.mu.Lock()
		p := c.procs[i]
		c.mu.Unlock()
		if p != nil && !p.exited() {
			p.cmd.Process.Kill()
			<-p.done
		}
	}
	if c.net != nil {
		c.net.close()
	}
}

// Client is an API client of replica i.
func (c *Cluster) Client(i int, timeout time.Duration) *client.Client {
	cl, err := client.New(c.api[i], client.Options{Timeout: timeout})
	if err != nil {
		panic(err) // the URL is ours
	}
	return cl
}

// WaitUp waits until replica i answers /healthz.
func (c *Cluster) WaitUp(ctx context.Context, i int) error {
	for {
		if err := c.Client(i, time.Second).Health(ctx); err == nil {
			return nil
		}
		if ok, err := c.Exited(i); ok {
			return fmt.Errorf("replica %d exited: %v; log: %s", i+1, err, c.LogTail(i))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica %d not up: %w", i+1, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// LogTail is the end of replica i's log.
func (c *Cluster) LogTail(i int) string {
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(c.tn.ConfigPaths[i]), "replica.log"))
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}
