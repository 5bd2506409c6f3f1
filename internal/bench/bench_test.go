package bench

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

func testnet(t *testing.T) (string, *genesis.Genesis) {
	t.Helper()
	dir := t.TempDir()
	tn, err := node.GenerateTestnet(dir, 4, node.TestnetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, tn.Genesis
}

// The transactions are realistic: distinct holders, 1.2–1.6 KB, and they
// pass the chain's stateless checks (the ceiling's work).
func TestCareerTxsAreValidAndDistinct(t *testing.T) {
	dir, g := testnet(t)
	k, err := LoadKeys(dir, g.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := k.MakeTxs(context.Background(), "t", 20)
	if err != nil {
		t.Fatal(err)
	}
	params := g.Config.Params(g.ChainID, chain.DefaultMaxTxBytes)
	holders := map[string]bool{}
	for i, raw := range txs {
		if len(raw) < 1200 || len(raw) > 1600 {
			t.Errorf("tx %d is %d bytes, want 1.2–1.6 KB", i, len(raw))
		}
		tx, err := chain.DecodeTx(raw, params.MaxTxBytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.CheckStateless(params); err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		holders[tx.Career.Statement.Holder] = true
	}
	if len(holders) != len(txs) {
		t.Errorf("%d holders for %d transactions", len(holders), len(txs))
	}
	c, err := MeasureCeiling(txs, params, 4)
	if err != nil || c.TxPerSec <= 0 || c.Replicas != 4 || c.SampleTxs != 20 {
		t.Errorf("ceiling %+v, %v", c, err)
	}
}

// A transaction signed by keys the chain does not know fails the
// ceiling's checks: MeasureCeiling says so instead of timing it.
func TestCeilingRefusesForeignTransactions(t *testing.T) {
	dirA, _ := testnet(t)
	_, gB := testnet(t)
	k, err := LoadKeys(dirA, gB.ChainID)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := k.MakeTxs(context.Background(), "x", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MeasureCeiling(txs, gB.Config.Params(gB.ChainID, chain.DefaultMaxTxBytes), 4); err == nil {
		t.Fatal("transactions attested by another chain's attester passed the checks")
	}
}

func TestLoadKeysExplainsAMissingDirectory(t *testing.T) {
	_, err := LoadKeys(t.TempDir(), "c")
	if err == nil || !strings.Contains(err.Error(), "careerd init") {
		t.Fatalf("%v", err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "keys"), 0o700)
	os.WriteFile(filepath.Join(dir, "keys", "attester.key"), []byte("zz\n"), 0o600)
	if _, err := LoadKeys(dir, "c"); err == nil || !strings.Contains(err.Error(), "not a hex seed") {
		t.Fatalf("%v", err)
	}
}

func TestQuantile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.95, 95 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		if got := quantile(d, c.q); got != c.want {
			t.Errorf("q%v = %v, want %v", c.q, got, c.want)
		}
	}
	if quantile(nil, 0.5) != 0 || quantile(d[:1], 0.99) != time.Millisecond {
		t.Error("quantile of empty or one")
	}
}

// The /proc readers agree with getrusage and see this process's memory.
func TestProcReadersOnThisProcess(t *testing.T) {
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	cpu, err := ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self := SelfCPU()
	if cpu <= 0 || cpu > self+50*time.Millisecond || cpu < self/2-50*time.Millisecond {
		t.Errorf("/proc CPU %v against getrusage %v", cpu, self)
	}
	rss, peak, err := ProcMem(os.Getpid())
	if err != nil || rss < 1<<20 || peak < rss {
		t.Errorf("rss %d peak %d: %v", rss, peak, err)
	}
	if _, err := ProcCPU(-1); err == nil {
		t.Error("no error for a missing process")
	}
}

// The plot is well-formed XML with one throughput and two latency lines
// per series.
func TestPlotSVG(t *testing.T) {
	var pts []*Point
	for i, k := range []int{1, 4, 16, 64, 256, 1024} {
		pts = append(pts, &Point{Clients: k, TxPerSec: float64(50 * (i + 1)), P50ms: float64(10 * (i + 1)), P99ms: float64(30 * (i + 1))})
	}
	svg := PlotSVG("a <title> & more", []Series{{Label: "plugins off", Points: pts}, {Label: "plugins on", Points: pts[:3]}})
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	lines := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not XML: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 6 {
		t.Errorf("%d polylines, want 6", lines)
	}
	if !strings.Contains(string(svg), "a &lt;title&gt; &amp; more") {
		t.Error("title not escaped")
	}
}
