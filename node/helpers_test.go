package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/internal/testkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

const testChainID = "careerchain-test"

// keys derives the tests' deterministic identities (internal/testkit).
var keys = testkit.Keys{Domain: "careerchain node test"}

func seed(label string) []byte { return keys.Seed(label) }

func wallet(t testing.TB, label string) chain.Wallet { t.Helper(); return keys.Wallet(t, label) }

func nodeKeys(i int) NodeKeys {
	net, sign := keys.Replica(i)
	return NodeKeys{NetKey: net, SignSeed: sign}
}

// cluster is n replicas of one chain, on the in-memory network or on QUIC
// over loopback, each with its own data directory and API listener.
type cluster struct {
	t       testing.TB
	quic    bool
	mem     *quicnet.MemNetwork
	genesis *genesis.Genesis
	keys    []NodeKeys
	dirs    []string
	apiAddr []string
	apiLn   []net.Listener // bound when the cluster is made, handed to each replica's first start
	netAddr []string
	tune    func(*Config)

	operator, attester, payment chain.Wallet

	mu    sync.Mutex
	nodes []*Node
	done  []chan error
}

func freeUDP(t testing.TB) string { return testkit.FreeUDP(t) }

func freeTCP(t testing.TB) string { return testkit.FreeTCP(t) }

func testGenesis(t testing.TB, keys []NodeKeys, netAddr, apiAddr []string, op, att, pay chain.Wallet) *genesis.Genesis {
	g := &genesis.Genesis{ChainID: testChainID, Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Config: genesis.ChainConfig{
		Attesters: []string{att.KeyHex()}, PaymentIssuers: []string{pay.KeyHex()}, ConfigSigners: []string{op.KeyHex()},
	}}
	for i, k := range keys {
		g.Members = append(g.Members, k.member(uint64(i+1), netAddr[i], "http://"+apiAddr[i]))
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return g
}

func newCluster(t testing.TB, n int, useQUIC bool, tune func(*Config)) *cluster {
	c := &cluster{t: t, quic: useQUIC, tune: tune,
		operator: wallet(t, "operator"), attester: wallet(t, "attester"), payment: wallet(t, "payment"),
		nodes: make([]*Node, n), done: make([]chan error, n)}
	if !useQUIC {
		c.mem = quicnet.NewMemNetwork(quicnet.MemQueueLen(8192))
	}
	root := t.TempDir()
	for i := range n {
		c.keys = append(c.keys, nodeKeys(i+1))
		c.dirs = append(c.dirs, filepath.Join(root, fmt.Sprintf("node%d", i+1)))
		// Kept bound until the replica starts: a port found free and
		// released could meanwhile become another connection's
		// ephemeral port.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.apiLn = append(c.apiLn, ln)
		c.apiAddr = append(c.apiAddr, ln.Addr().String())
		if useQUIC {
			c.netAddr = append(c.netAddr, freeUDP(t))
		} else {
			c.netAddr = append(c.netAddr, fmt.Sprintf("mem:%d", i+1))
		}
	}
	c.genesis = testGenesis(t, c.keys, c.netAddr, c.apiAddr, c.operator, c.attester, c.payment)
	t.Cleanup(c.stopAll)
	t.Cleanup(func() {
		for _, ln := range c.apiLn {
			if ln != nil {
				ln.Close() // a replica never started
			}
		}
	})
	for i := range n {
		c.start(i)
	}
	return c
}

func (c *cluster) config(i int) Config {
	cfg := Config{ID: uint64(i + 1), DataDir: c.dirs[i], Genesis: c.genesis, Keys: c.keys[i],
		TickInterval: 10 * time.Millisecond, CheckpointInterval: 4, RequestTimeout: 50, SubmitTimeout: 20 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if os.Getenv("NODE_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", c.t.Name())
	}
	if c.quic {
		cfg.ListenAddr = c.netAddr[i]
	} else {
		cfg.Transport = c.mem.Endpoint(uint64(i + 1))
	}
	if c.tune != nil {
		c.tune(&cfg)
	}
	return cfg
}

func (c *cluster) start(i int) {
	c.t.Helper()
	cfg := c.config(i)
	var ln net.Listener
	var err error
	if i < len(c.apiLn) && c.apiLn[i] != nil {
		ln, c.apiLn[i] = c.apiLn[i], nil
	}
	for attempt := 0; ln == nil && attempt < 50; attempt++ { // a restart: the port may linger briefly after a stop
		if ln, err = net.Listen("tcp", c.apiAddr[i]); err != nil {
			ln = nil
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.APIListener = ln
	var nd *Node
	for attempt := 0; attempt < 50; attempt++ { // and so may the UDP port
		if nd, err = New(cfg); err == nil || !c.quic {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if ln, err = net.Listen("tcp", c.apiAddr[i]); err != nil {
			break
		}
		cfg.APIListener = ln
	}
	if err != nil {
		c.t.Fatalf("start replica %d: %v", i+1, err)
	}
	done := make(chan error, 1)
	go func() { done <- nd.Run(context.Background()) }()
	c.mu.Lock()
	c.nodes[i], c.done[i] = nd, done
	c.mu.Unlock()
}

func (c *cluster) stop(i int) {
	c.mu.Lock()
	nd, done := c.nodes[i], c.done[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if nd == nil {
		return
	}
	if err := nd.Close(); err != nil {
		c.t.Errorf("close replica %d: %v", i+1, err)
	}
	if err := <-done; err != nil {
		c.t.Errorf("replica %d Run: %v", i+1, err)
	}
}

func (c *cluster) stopAll() {
	for i := range c.nodes {
		c.stop(i)
	}
}

func (c *cluster) node(i int) *Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

func (c *cluster) url(i int, path string) string { return "http://" + c.apiAddr[i] + path }

// careerTx builds a signed career.register by holder with a unique payment id.
func (c *cluster) careerTx(t testing.TB, holder chain.Wallet, nonce uint64) *chain.Tx {
	t.Helper()
	return careerTx(t, testChainID, holder, c.payment, c.attester, nonce, fmt.Sprintf("pay_%s_%d", holder.Address()[3:11], nonce), 0)
}

func careerTx(t testing.TB, chainID string, holder, payment, attester chain.Wallet, nonce uint64, payID string, difficulty uint8) *chain.Tx {
	t.Helper()
	return testkit.CareerTx(t, chainID, holder, payment, attester, nonce, payID, difficulty)
}

func encode(t testing.TB, tx *chain.Tx) []byte { t.Helper(); return testkit.Encode(t, tx) }

var httpClient = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// post submits a body and decodes the JSON answer.
func post(t testing.TB, url string, body []byte, out any) int {
	t.Helper()
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("POST %s: %d %q: %v", url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

func get(t testing.TB, url string, out any) int {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("GET %s: %d %q: %v", url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// submit posts tx to replica i with ?wait=1, retrying on 503 and 504 (a
// view change in progress), and returns the commit result.
func (c *cluster) submit(t testing.TB, i int, tx *chain.Tx) client.SubmitResult {
	t.Helper()
	body := encode(t, tx)
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for {
		var res client.SubmitResult
		var e struct{ Error, Code string }
		resp, err := httpClient.Post(c.url(i, "/api/v1/tx?wait=1"), "application/json", bytes.NewReader(body))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				if err := json.Unmarshal(b, &res); err != nil {
					t.Fatal(err)
				}
				return res
			case http.StatusConflict:
				// A retry after a timeout may find it committed already.
				json.Unmarshal(b, &e)
				if e.Code == "replay" {
					id := chain.TxID(tx)
					var v client.TxView
					if get(t, c.url(i, "/api/v1/tx/"+id), &v) == http.StatusOK {
						return client.SubmitResult{TxID: id, Status: v.Result, Height: v.Height, Index: uint32(v.Index)}
					}
				}
				t.Fatalf("submit: %d %s", resp.StatusCode, b)
			case http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			default:
				t.Fatalf("submit: %d %s", resp.StatusCode, b)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("submit to replica %d: no commit within a minute (last error %v)", i+1, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitHeight waits until every running replica has executed at least h.
func (c *cluster) waitHeight(t testing.TB, h uint64, ids ...int) {
	t.Helper()
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for {
		ok := true
		for _, i := range ids {
			if nd := c.node(i); nd == nil || nd.Status().Height < h {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			for _, i := range ids {
				if nd := c.node(i); nd != nil {
					t.Logf("replica %d: %+v", i+1, nd.Status())
				}
			}
			t.Fatalf("replicas %v did not reach height %d", ids, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// chainDigests returns each listed replica's state digest at height h.
func (c *cluster) sameChain(t testing.TB, h uint64, ids ...int) {
	t.Helper()
	var want []byte
	for _, i := range ids {
		var got []byte
		err := c.node(i).readLedger(func(tx *ledger.Tx) error {
			br, err := tx.Block(h)
			if err != nil {
				return err
			}
			got = append(binary.BigEndian.AppendUint64(nil, h), br.StateDigest[:]...)
			for _, r := range br.Results {
				got = append(got, byte(r.Code))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("replica %d block %d: %v", i+1, h, err)
		}
		if want == nil {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Fatalf("replica %d differs at height %d", i+1, h)
		}
	}
}

func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
