package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/sdk/client"
)

const crashEnv = "CAREERCHAIN_NODE_CRASH_HELPER"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		os.Exit(crashHelper(path))
	}
	os.Exit(m.Run())
}

// crashHelper is the main of the child process: a replica run from a
// config file until it is killed.
func crashHelper(path string) int {
	cfg, err := LoadConfig(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	nd, err := New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := nd.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	nd.Close()
	return 0
}

// TestCrashKeepsAcknowledgedTransactions runs a replica in a child process
// under load, SIGKILLs it repeatedly, and checks after each kill that the
// database passes bbolt's check and holds every transaction the replica
// acknowledged, then restarts it on the same data.
func TestCrashKeepsAcknowledgedTransactions(t *testing.T) {
	if testing.Short() {
		t.Skip("child processes in -short mode")
	}
	dir := t.TempDir()
	op, att, pay := wallet(t, "operator"), wallet(t, "attester"), wallet(t, "payment")
	keys := []NodeKeys{nodeKeys(1)}
	netAddr, apiAddr := freeUDP(t), freeTCP(t)
	g := testGenesis(t, keys, []string{netAddr}, []string{apiAddr}, op, att, pay)
	writeJSON := func(name string, v any) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	writeJSON("genesis.json", g)
	writeJSON("node.key", nodeKeysFile{SignSeed: hex.EncodeToString(keys[0].SignSeed[:]), NetSeed: hex.EncodeToString(keys[0].NetKey.Seed())})
	cfgPath := writeJSON("config.json", FileConfig{ID: 1, DataDir: "data", Genesis: "genesis.json", KeyFile: "node.key",
		Listen: netAddr, APIListen: apiAddr, Tick: "5ms", CheckpointInterval: 4})
	c := &cluster{t: t, apiAddr: []string{apiAddr}, payment: pay, attester: att}

	var mu sync.Mutex
	var acked []string
	nonce := 0
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+cfgPath)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, c.url(0, "/healthz"))
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := range 4 {
			mu.Lock()
			base := nonce
			nonce += 1000
			mu.Unlock()
			wg.Go(func() {
				for k := base; ctx.Err() == nil; k++ {
					tx := c.careerTx(t, wallet(t, fmt.Sprintf("crash holder %d %d", w, k)), uint64(k))
					if id, ok := trySubmit(tx, c.url(0, "/api/v1/tx?wait=1")); ok {
						mu.Lock()
						acked = append(acked, id)
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(300+200*round) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
		wg.Wait()

		l, err := ledger.Open(filepath.Join(dir, "data", "ledger.db"), ledger.Options{FullCheck: true})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := l.Check(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		mu.Lock()
		err = l.View(func(tx *ledger.Tx) error {
			for _, id := range acked {
				raw, _ := hex32(id)
				if _, ok := tx.TxLoc(raw); !ok {
					return fmt.Errorf("acknowledged transaction %s is missing", id)
				}
			}
			return nil
		})
		n := len(acked)
		mu.Unlock()
		l.Close()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		t.Logf("round %d: %d acknowledged transactions present after SIGKILL", round, n)
	}
	if len(acked) == 0 {
		t.Fatal("no transaction was acknowledged")
	}
}

func waitHealthy(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // liveness bound, generous for a loaded CI machine
	for time.Now().Before(deadline) {
		if resp, err := httpClient.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the child replica did not become healthy")
}

// trySubmit posts a transaction and reports whether it was acknowledged as
// committed (accepted).
func trySubmit(tx any, url string) (string, bool) {
	body, err := json.Marshal(tx)
	if err != nil {
		return "", false
	}
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var res client.SubmitResult
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&res) != nil || res.Status != "accepted" {
		return "", false
	}
	return res.TxID, true
}

// TestMuteSurvivesImmediateStop is case 2 (node part): a replica restarted
// after a crash is muted, and its core says so in its first Ready
// (HardState.Muted). A stop that comes before the loop handled anything
// must still persist that Ready before it records the clean stop; else the
// next, "clean", start forgets the mute and the replica may propose again
// in the view where it may have sent pre-prepares it never persisted.
func TestMuteSurvivesImmediateStop(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	c.submit(t, 0, c.careerTx(t, wallet(t, "mute 0"), 0))
	c.stop(0)
	path := filepath.Join(c.dirs[0], "ledger.db")
	withLedger := func(fn func(tx *ledger.Tx) error) {
		t.Helper()
		l, err := ledger.Open(path, ledger.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if err := l.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	withLedger(func(tx *ledger.Tx) error { return tx.SetRunning(true) }) // a crash: no clean stop recorded
	// Start and stop at once: Run's context is already done.
	nd, err := New(c.config(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := nd.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := nd.Close(); err != nil {
		t.Fatal(err)
	}
	withLedger(func(tx *ledger.Tx) error {
		hs, err := tx.HardState()
		if err != nil {
			return err
		}
		if tx.Running() {
			t.Error("the stop was not recorded as clean")
		}
		if hs == nil || !hs.Muted {
			t.Errorf("the mute was lost by an immediate stop: hard state %+v", hs)
		}
		return nil
	})
	// A clean start now restores the muted core; its hard state stays muted.
	nd, err = New(c.config(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := nd.Close(); err != nil {
		t.Fatal(err)
	}
	withLedger(func(tx *ledger.Tx) error {
		if hs, err := tx.HardState(); err != nil || hs == nil || !hs.Muted {
			t.Errorf("after a clean restart: hard state %+v, %v", hs, err)
		}
		return nil
	})
}
