package chaos

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildCareerd builds cmd/careerd once into dir (without -race: the
// replicas are separate processes, and the race detector would multiply
// their CPU on a small machine).
func buildCareerd(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "careerd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/careerd")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build careerd: %v\n%s", err, b)
	}
	return bin
}

// TestFaultCampaign runs the campaign against four careerd node
// processes: the short form under `go test` (four kill cycles), the long
// form with CHAOS_LONG=1 (make chaos: 100 cycles). Network faults run in
// network namespaces when the test runs as root with iproute2, and are
// skipped otherwise; the log says which. The report is written to
// test-artifacts/chaos-report.json.
func TestFaultCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four replica processes")
	}
	dir := t.TempDir()
	bin := buildCareerd(t, dir)
	useNetns, why := NetnsAvailable()
	if os.Getenv("CHAOS_NETNS") == "0" {
		useNetns, why = false, "CHAOS_NETNS=0"
	}
	netNote := "network namespaces + veth + bridge; partitions by blackhole routes, slow links by tc tbf (netem is not in this kernel)"
	if !useNetns {
		netNote = "loopback, no network faults: " + why
	}
	t.Logf("network: %s", netNote)
	c, err := New(Options{Binary: bin, Dir: filepath.Join(dir, "net"), Netns: useNetns, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx := context.Background()
	k, err := NewCampaign(ctx, c, netNote)
	if err != nil {
		for i := range c.N() {
			t.Logf("replica %d log: %s", i+1, c.LogTail(i))
		}
		t.Fatal(err)
	}
	if os.Getenv("CHAOS_LONG") == "1" {
		k.Cycles = 100
	}
	type fault struct {
		name string
		run  func(context.Context, *Result) error
		net  bool
	}
	faults := []fault{
		{"sigkill-follower", k.KillFollower, false},
		{"sigkill-leader", k.KillLeader, false},
		{"sigstop-leader", k.PauseLeader, false},
		{"quorum-loss", k.QuorumLoss, false},
		{"partition-2-2", k.Partition, true},
		{"isolated-leader", k.IsolateLeader, true},
		{"slow-leader-link", k.SlowLink, true},
		{"flipped-bytes", k.FlipBytes, false},
		{"sigkill-cycles", k.KillCycles, false},
		{"restart-all", k.RestartAll, false},
	}
	for _, f := range faults {
		if f.net && !useNetns {
			t.Logf("fault %s skipped: %s", f.name, why)
			continue
		}
		if r := k.Run(ctx, f.name, f.run); r.Err != "" {
			t.Errorf("%s: %s", f.name, r.Err)
			for i := range c.N() {
				t.Logf("replica %d log: %s", i+1, c.LogTail(i))
			}
		}
	}
	t.Logf("%d transactions acknowledged, every one checked on every replica after every fault", k.Report.Acked)
	writeReport(t, &k.Report)
}

func writeReport(t *testing.T, r *Report) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "chaos-report.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
