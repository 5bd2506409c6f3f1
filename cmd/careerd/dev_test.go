package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
	"github.com/careerchain/careerchain/wasm/wasmtest"
)

// freeBase finds a base port p such that p+1..p+4 (UDP) and p+101..p+104
// (TCP) are free right now.
func freeBase(t *testing.T) int {
	for p := 20000 + os.Getpid()%20000; p < 60000; p += 211 {
		ok := true
		for i := 1; i <= 4 && ok; i++ {
			u, err := net.ListenPacket("udp", "127.0.0.1:"+itoa(p+i))
			if err != nil {
				ok = false
				break
			}
			u.Close()
			l, err := net.Listen("tcp", "127.0.0.1:"+itoa(p+100+i))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free ports")
	return 0
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func walletFile(t *testing.T, path string) chain.Wallet {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := chain.WalletFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// startDev runs `careerd dev` in-process until the returned stop is called.
func startDev(t *testing.T, args []string) (stop func(), out *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runDev(ctx, args, slog.New(slog.NewTextHandler(io.Discard, nil)), out) }()
	deadline := time.Now().Add(120 * time.Second)
	for !strings.Contains(out.String(), "network is up") {
		select {
		case err := <-done:
			t.Fatalf("careerd dev ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("careerd dev did not come up:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("careerd dev: %v", err)
		}
	}, out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestDevNetworkEndToEnd starts the development network with the real
// validator and payment plugins pinned, commits a career record through
// the submission pipeline, has a plugin reject a bad one, then restarts the
// network on the same directory and finds the chain resumed.
func TestDevNetworkEndToEnd(t *testing.T) {
	plugins := t.TempDir()
	for _, name := range []string{"career-validator", "payment-sandbox"} {
		mod := wasmtest.MustBuild(t, filepath.Join("..", "..", "plugins", name))
		if err := os.WriteFile(filepath.Join(plugins, name+".wasm"), mod, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	base := freeBase(t)
	mspAddr := "127.0.0.1:" + itoa(base+99)
	args := []string{"--data", dir, "--base-port", itoa(base), "--msp", mspAddr, "--plugins", plugins, "--portal", freeTCP(t), "--issuer", freeTCP(t), "--payments", freeTCP(t)}
	stop, out := startDev(t, args)
	if !strings.Contains(out.String(), "pinning 2 plugins") {
		t.Fatalf("plugins not pinned:\n%s", out.String())
	}
	var urls []string
	for i := 1; i <= 4; i++ {
		urls = append(urls, "http://127.0.0.1:"+itoa(base+100+i))
	}
	p, err := middleware.New(middleware.Options{ChainID: "careerchain-dev", Leaders: middleware.MSP{URL: "http://" + mspAddr}})
	if err != nil {
		t.Fatal(err)
	}
	pay, att := walletFile(t, filepath.Join(dir, "keys", "payment.key")), walletFile(t, filepath.Join(dir, "keys", "attester.key"))
	build := func(claim chain.Claim, amount int64) *chain.Tx {
		holder, _ := chain.NewWallet(nil)
		s := chain.NewStatement(holder, "careerchain-dev", 1, claim)
		sig, err := chain.SignStatement(holder, s)
		if err != nil {
			t.Fatal(err)
		}
		r, err := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt("sandbox", "pay-"+holder.Address()[3:15], amount, "KRW", s.Digest()))
		if err != nil {
			t.Fatal(err)
		}
		a, err := chain.Attest(att.PrivateKey(), s, r, time.Now().Unix())
		if err != nil {
			t.Fatal(err)
		}
		return chain.NewCareerTx(s, sig, r, a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := p.Submit(ctx, build(chain.Claim{Role: "Backend engineer", Organisation: "Acme", Start: "2021-03-01", End: "2023-02-28"}, 10000))
	if err != nil || res.Status != "accepted" || res.Height == 0 {
		t.Fatalf("good claim: %+v %v", res, err)
	}
	// The replicas' payment plugin refuses an underpaid claim.
	if _, err := p.Submit(ctx, build(chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01"}, 10)); err == nil || !strings.Contains(err.Error(), "payment-sandbox") {
		t.Fatalf("underpaid claim: %v", err)
	}
	// The record can be read from any replica with its proof (a replica
	// may apply the block a moment after the one that answered).
	waitFound(t, urls[3]+"/api/v1/tx/"+res.TxID)
	stop()

	// A second start on the same directory resumes the chain.
	stop, out = startDev(t, args)
	defer stop()
	if !strings.Contains(out.String(), "resuming") {
		t.Fatalf("second start did not resume:\n%s", out.String())
	}
	waitFound(t, urls[0]+"/api/v1/tx/"+res.TxID)
}

// waitFound polls url until it answers 200, for at most 30 s.
func waitFound(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not found within 30 s (last: %v %v)", url, resp, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
