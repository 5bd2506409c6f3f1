package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/careerchain/careerchain/internal/testkit"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// freeBase finds a base port p such that p+1..p+4 (UDP), p+101..p+104 and
// p+99 (TCP) are free right now, as careerd dev lays its ports out.
func freeBase(t *testing.T) int {
	t.Helper()
	for p := 20000 + os.Getpid()%20000; p < 60000; p += 211 {
		ok := true
		for _, tcp := range []int{p + 99, p + 101, p + 102, p + 103, p + 104} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", tcp))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		for i := 1; i <= 4 && ok; i++ {
			u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p+i))
			if err != nil {
				ok = false
				break
			}
			u.Close()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free ports")
	return 0
}

// lockedBuffer is a bytes.Buffer a subprocess writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// freeTCP returns a loopback address that is free right now.
func freeTCP(t *testing.T) string { return testkit.FreeTCP(t) }

// startCareerdDev builds careerd and runs `careerd dev` as a subprocess on
// free ports until the test ends; it returns the data directory and the
// MSP's URL.
func startCareerdDev(t *testing.T) (data, msp string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "careerd")
	if out, err := exec.Command(goTool, "build", "-o", bin, "../careerd").CombinedOutput(); err != nil {
		t.Fatalf("go build careerd: %v\n%s", err, out)
	}
	base := freeBase(t)
	data = filepath.Join(dir, "data")
	mspAddr := fmt.Sprintf("127.0.0.1:%d", base+99)
	cmd := exec.Command(bin, "dev", "--data", data, "--base-port", fmt.Sprint(base), "--msp", mspAddr, "--plugins", t.TempDir(),
		"--portal", freeTCP(t), "--issuer", freeTCP(t))
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("careerd dev did not stop on SIGINT:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "network is up") {
		select {
		case err := <-exited:
			t.Fatalf("careerd dev ended: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("careerd dev did not come up:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return data, "http://" + mspAddr
}

// TestEndToEndAgainstCareerdDev drives careerctl against a real careerd dev
// network the way a person would: a wallet, a submitted record, reading it
// back, its proof verified offline with the genesis alone; then a tampered
// bundle (exit 1), an unknown TxID (exit 3) and an unreachable replica
// (exit 4).
func TestEndToEndAgainstCareerdDev(t *testing.T) {
	if testing.Short() {
		t.Skip("starts careerd dev")
	}
	data, msp := startCareerdDev(t)
	dir := t.TempDir()
	pass := writeFile(t, dir, "pass.txt", "correct horse battery staple\n")
	me := filepath.Join(dir, "me.json")
	claim := writeFile(t, dir, "claim.json", `{"role":"Backend engineer","organisation":"Acme","start":"2021-03-01","end":"2023-02-28","skills":["Go","SQL"]}`)
	genesis := filepath.Join(data, "genesis.json")
	cli := func(want int, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, nil, append([]string{"--node", msp}, args...)...)
		if code != want {
			t.Fatalf("careerctl %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out + errOut
	}

	cli(exitOK, "wallet", "new", "--out", me, "--passphrase-file", pass)
	var w struct{ Address string }
	json.Unmarshal([]byte(cli(exitOK, "wallet", "show", "--key", me, "--json")), &w)

	out := cli(exitOK, "submit", "--claim", claim, "--key", me, "--passphrase-file", pass, "--dev-keys", data)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	txid := ""
	for _, l := range lines {
		if len(l) == 64 && !strings.Contains(l, " ") {
			txid = l
		}
	}
	if txid == "" || !strings.Contains(out, "committed at height") {
		t.Fatalf("submit printed no TxID:\n%s", out)
	}

	if out := cli(exitOK, "get", txid); !strings.Contains(out, "Backend engineer at Acme") || !strings.Contains(out, "status:    active") {
		t.Fatalf("get:\n%s", out)
	}
	var page client.CareerPage
	if err := json.Unmarshal([]byte(cli(exitOK, "careers", w.Address, "--json")), &page); err != nil || len(page.Items) != 1 || page.Items[0].TxID != txid {
		t.Fatalf("careers: %+v %v", page, err)
	}

	bundle := filepath.Join(dir, "b.json")
	cli(exitOK, "proof", txid, "--out", bundle)
	out = cli(exitOK, "verify", "--offline", "--genesis", genesis, bundle)
	for _, step := range verify.Steps() {
		if !strings.Contains(out, "✓ "+step+":") {
			t.Fatalf("verify does not show step %q passing:\n%s", step, out)
		}
	}
	if !strings.Contains(out, "Verified") {
		t.Fatalf("verify:\n%s", out)
	}
	// Online, from the network: the same checks.
	cli(exitOK, "verify", "--genesis", genesis, txid)

	// A bundle changed after the fact is refused, at the step that catches it.
	raw, _ := os.ReadFile(bundle)
	b, err := verify.DecodeBundle(raw)
	if err != nil {
		t.Fatal(err)
	}
	b.Block.Time++
	tampered, _ := json.Marshal(b)
	bad := writeFile(t, dir, "tampered.json", string(tampered))
	if out := cli(exitInvalid, "verify", "--offline", "--genesis", genesis, bad); !strings.Contains(out, "✗ block hash:") || !strings.Contains(out, "NOT verified") {
		t.Fatalf("tampered bundle:\n%s", out)
	}

	cli(exitNotFound, "get", strings.Repeat("ab", 32))
	// A replica that does not answer: a port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	if out := cli(exitUnreachable, "--node", dead, "get", txid); !strings.Contains(out, "no answer") {
		t.Fatalf("unreachable:\n%s", out)
	}
	if out := cli(exitOK, "status"); !strings.Contains(out, "(leader)") || !strings.Contains(out, "membership epoch 0") {
		t.Fatalf("status:\n%s", out)
	}

	// An operator adds an attester; records it attests commit and verify
	// from the genesis alone. Once it is removed, its new records are
	// refused, and the one it attested before still verifies.
	att := filepath.Join(dir, "attester.json")
	cli(exitOK, "wallet", "new", "--out", att, "--passphrase-file", pass)
	var aw struct {
		PublicKey string `json:"public_key"`
	}
	json.Unmarshal([]byte(cli(exitOK, "wallet", "show", "--key", att, "--json")), &aw)
	if aw.PublicKey == "" {
		t.Fatal("wallet show --json names no public_key")
	}
	cli(exitOK, "admin", "attester", "add", aw.PublicKey, "--dev-keys", data)
	submitBy := func(want int) string {
		return cli(want, "submit", "--claim", claim, "--key", me, "--passphrase-file", pass, "--dev-keys", data, "--attester-key", att)
	}
	out = submitBy(exitOK)
	byNew, _, _ := strings.Cut(out, "\n") // stdout (the TxID) comes first
	cli(exitOK, "admin", "attester", "remove", aw.PublicKey, "--dev-keys", data)
	if out := submitBy(exitInvalid); !strings.Contains(out, "attester") {
		t.Fatalf("a record attested by a removed attester:\n%s", out)
	}
	if len(byNew) != 64 {
		t.Fatalf("submit printed no TxID:\n%s", out)
	}
	cli(exitOK, "verify", "--genesis", genesis, byNew)
}
