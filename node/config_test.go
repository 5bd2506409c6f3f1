package node

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

func configTx(t testing.TB, c *cluster, cfg chain.Config) *chain.Tx {
	t.Helper()
	cfg.ChainID = testChainID
	signed, err := chain.SignConfig(c.operator.PrivateKey(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return chain.NewConfigTx(signed)
}

func TestConfigLeaderSwapAndPoW(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	c.submit(t, 0, c.careerTx(t, wallet(t, "h0"), 0))
	leader := uint64(3)
	res := c.submit(t, 1, configTx(t, c, chain.Config{Nonce: 1, Leader: &leader}))
	if res.Status != "accepted" {
		t.Fatalf("leader swap: %+v", res)
	}
	deadline := time.Now().Add(90 * time.Second) // liveness bound, generous for a loaded CI machine
	for {
		ok := true
		for i := range 4 {
			if s := c.node(i).Status(); s.Leader != leader || s.InViewChange {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("leader is not %d: %+v", leader, c.node(0).Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var d uint8 = 16
	if res := c.submit(t, 2, configTx(t, c, chain.Config{Nonce: 2, PoWDifficulty: &d})); res.Status != "accepted" {
		t.Fatalf("pow change: %+v", res)
	}
	c.waitHeight(t, res.Height+1, all(4)...)
	holder := wallet(t, "h1")
	var e apiErr
	if code := post(t, c.url(0, "/api/v1/tx"), encode(t, c.careerTx(t, holder, 1)), &e); code != 400 || e.Code != "pow" {
		t.Fatalf("unstamped tx after the difficulty rose: %d %+v", code, e)
	}
	mined := careerTx(t, testChainID, holder, c.payment, c.attester, 1, "pay_mined", d)
	if res := c.submit(t, 0, mined); res.Status != "accepted" {
		t.Fatalf("mined tx: %+v", res)
	}
}

func TestGenerateTestnetAndLoadConfig(t *testing.T) {
	dir := t.TempDir()
	tn, err := GenerateTestnet(dir, 4, TestnetOptions{BasePort: 17400, TickInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateTestnet(dir, 4, TestnetOptions{}); err == nil {
		t.Fatal("GenerateTestnet overwrote an existing genesis")
	}
	for i, p := range tn.ConfigPaths {
		cfg, err := LoadConfig(p)
		if err != nil {
			t.Fatalf("LoadConfig(%s): %v", p, err)
		}
		if cfg.ID != uint64(i+1) || cfg.TickInterval != 5*time.Millisecond || cfg.DataDir != filepath.Join(filepath.Dir(p), "data") {
			t.Fatalf("config %d: %+v", i, cfg)
		}
		h1, _ := cfg.Genesis.Hash()
		h2, _ := tn.Genesis.Hash()
		if h1 != h2 {
			t.Fatal("genesis hash differs after a round trip through JSON")
		}
		m, _ := cfg.Genesis.Membership()
		mb, _ := m.Member(cfg.ID)
		if !bytes.Equal(mb.NetKey, cfg.Keys.NetKey.Public().(ed25519.PublicKey)) {
			t.Fatalf("replica %d: the genesis net key is not the key file's", cfg.ID)
		}
		if _, pub := pbft.NewMLDSASigner(cfg.Keys.SignSeed); !bytes.Equal(mb.SignKey, pub) {
			t.Fatalf("replica %d: the genesis sign key is not the key file's", cfg.ID)
		}
	}
	for _, bad := range []string{`{"id":1,`, `{"id":1,"unknown":2}`, `{"id":1,"tick":"soon","genesis":"../genesis.json","key_file":"node.key","data_dir":"d"}`} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := LoadConfig(p); err == nil {
			t.Fatalf("LoadConfig accepted %s", bad)
		}
	}
}

func TestNewRefusesOtherChainsData(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	c.submit(t, 0, c.careerTx(t, wallet(t, "h"), 0))
	c.stop(0)
	cfg := c.config(0)
	g := *c.genesis
	g.ChainID = "another-chain"
	cfg.Genesis = &g
	if _, err := New(cfg); err == nil {
		t.Fatal("New opened another chain's ledger")
	}
	// Truncate the database: New must refuse it with a clear error.
	path := filepath.Join(c.dirs[0], "ledger.db")
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)/3], 0o600)
	cfg = c.config(0)
	if _, err := New(cfg); err == nil {
		t.Fatal("New opened a truncated ledger")
	} else {
		t.Logf("refused as expected: %v", err)
	}
}
