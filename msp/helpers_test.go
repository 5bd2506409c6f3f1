package msp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
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
	"github.com/careerchain/careerchain/node"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

const testChain = "careerchain-msp-test"

// keys derives the tests' deterministic identities (internal/testkit).
var keys = testkit.Keys{Domain: "careerchain msp test"}

func wallet(t testing.TB, label string) chain.Wallet { t.Helper(); return keys.Wallet(t, label) }

func nodeKeys(i int) node.NodeKeys {
	net, sign := keys.Replica(i)
	return node.NodeKeys{NetKey: net, SignSeed: sign}
}

func testLogger(t testing.TB, name string) *slog.Logger {
	if os.Getenv("MSP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})).With("test", t.Name(), "who", name)
	}
	return slog.New(slog.DiscardHandler)
}

// cluster is replicas on the in-memory network plus an MSP, all in process;
// APIs on loopback TCP.
type cluster struct {
	t       testing.TB
	mem     *quicnet.MemNetwork
	genesis *genesis.Genesis
	root    string

	operator, mspKey, attester, payment chain.Wallet

	mu      sync.Mutex
	nodes   map[uint64]*replica
	msp     *Service
	mspDone chan error
	mspURL  string
	mspDB   string
	tune    func(*Config)
}

type replica struct {
	n    *node.Node
	api  string
	done chan error
}

func listen(t testing.TB) net.Listener { return testkit.Listen(t) }

func newCluster(t testing.TB, n int, tune func(*Config)) *cluster {
	c := &cluster{t: t, mem: quicnet.NewMemNetwork(quicnet.MemQueueLen(8192)), root: t.TempDir(), nodes: map[uint64]*replica{},
		operator: wallet(t, "operator"), mspKey: wallet(t, "msp"), attester: wallet(t, "attester"), payment: wallet(t, "payment"), tune: tune}
	c.genesis = &genesis.Genesis{ChainID: testChain, Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Config: genesis.ChainConfig{
		Attesters: []string{c.attester.KeyHex()}, PaymentIssuers: []string{c.payment.KeyHex()},
		ConfigSigners: []string{c.operator.KeyHex(), c.mspKey.KeyHex()}}}
	lns := make([]net.Listener, n)
	for i := range n {
		lns[i] = listen(t)
		k := nodeKeys(i + 1)
		_, pub := pbft.NewMLDSASigner(k.SignSeed)
		c.genesis.Members = append(c.genesis.Members, genesis.Member{ID: uint64(i + 1), SignKey: hex.EncodeToString(pub),
			NetKey: hex.EncodeToString(k.NetKey.Public().(ed25519.PublicKey)), Addr: fmt.Sprintf("mem:%d", i+1), API: "http://" + lns[i].Addr().String()})
	}
	if err := c.genesis.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stopAll)
	for i := range n {
		c.startReplica(uint64(i+1), lns[i])
	}
	c.mspDB = filepath.Join(c.root, "msp.db")
	c.startMSP(listen(t))
	return c
}

// startReplica starts replica id (a genesis member or a learner) with its
// API on ln (nil: reuse its address).
func (c *cluster) startReplica(id uint64, ln net.Listener) {
	c.t.Helper()
	cfg := node.Config{ID: id, DataDir: filepath.Join(c.root, fmt.Sprintf("node%d", id)), Genesis: c.genesis, Keys: nodeKeys(int(id)),
		TickInterval: 10 * time.Millisecond, CheckpointInterval: 4, RequestTimeout: 50, SubmitTimeout: 20 * time.Second,
		Logger: testLogger(c.t, fmt.Sprintf("replica%d", id)), Transport: c.mem.Endpoint(id), APIListener: ln}
	nd, err := node.New(cfg)
	if err != nil {
		c.t.Fatalf("start replica %d: %v", id, err)
	}
	r := &replica{n: nd, api: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() { r.done <- nd.Run(context.Background()) }()
	c.mu.Lock()
	c.nodes[id] = r
	c.mu.Unlock()
}

func (c *cluster) stopReplica(id uint64) {
	c.mu.Lock()
	r := c.nodes[id]
	delete(c.nodes, id)
	c.mu.Unlock()
	if r == nil {
		return
	}
	if err := r.n.Close(); err != nil {
		c.t.Errorf("close replica %d: %v", id, err)
	}
	if err := <-r.done; err != nil {
		c.t.Errorf("replica %d: %v", id, err)
	}
}

func (c *cluster) mspConfig(ln net.Listener) Config {
	cfg := Config{Genesis: c.genesis, Key: c.mspKey.PrivateKey(), OperatorKeys: []string{c.operator.KeyHex()}, DBPath: c.mspDB,
		Listener: ln, PollInterval: 100 * time.Millisecond, MaxMisses: 5, RequestTimeout: 500 * time.Millisecond,
		SubmitTimeout: 10 * time.Second, Logger: testLogger(c.t, "msp")}
	if c.tune != nil {
		c.tune(&cfg)
	}
	return cfg
}

func (c *cluster) startMSP(ln net.Listener) {
	c.t.Helper()
	s, err := New(c.mspConfig(ln))
	if err != nil {
		c.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	c.mu.Lock()
	c.msp, c.mspDone, c.mspURL = s, done, "http://"+ln.Addr().String()
	c.mu.Unlock()
}

func (c *cluster) stopMSP() {
	c.mu.Lock()
	s, done := c.msp, c.mspDone
	c.msp = nil
	c.mu.Unlock()
	if s == nil {
		return
	}
	if err := s.Close(); err != nil {
		c.t.Errorf("close msp: %v", err)
	}
	if err := <-done; err != nil {
		c.t.Errorf("msp: %v", err)
	}
}

func (c *cluster) stopAll() {
	c.stopMSP()
	c.mu.Lock()
	var ids []uint64
	for id := range c.nodes {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	for _, id := range ids {
		c.stopReplica(id)
	}
}

func (c *cluster) replica(id uint64) *node.Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r := c.nodes[id]; r != nil {
		return r.n
	}
	return nil
}

func (c *cluster) running() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []uint64
	for id := range c.nodes {
		ids = append(ids, id)
	}
	return ids
}

// joinRequest builds node k's signed, stamped join request with an
// operator credential.
func (c *cluster) joinRequest(t testing.TB, k int, api string) *client.JoinRequest {
	t.Helper()
	keys := nodeKeys(k)
	_, pub := pbft.NewMLDSASigner(keys.SignSeed)
	cred, err := IssueCredential(c.operator.PrivateKey(), testChain, hex.EncodeToString(pub), hex.EncodeToString(keys.NetKey.Public().(ed25519.PublicKey)), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	jr, err := NewJoinRequest(context.Background(), NodeIdentity{SignSeed: keys.SignSeed, NetKey: keys.NetKey, Addr: fmt.Sprintf("mem:%d", k), API: api}, testChain, cred, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return jr
}

var hc = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// join admits node k through the MSP and starts it as a learner.
func (c *cluster) join(t testing.TB, k int) uint64 {
	t.Helper()
	ln := listen(t)
	a, err := Join(context.Background(), hc, c.mspURL, c.joinRequest(t, k, "http://"+ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != uint64(k) {
		t.Fatalf("join answer %+v, want ID %d", a, k)
	}
	c.startReplica(a.ID, ln)
	return a.ID
}

// careerTx builds a signed career.register with a unique payment id.
func (c *cluster) careerTx(t testing.TB, k int) []byte {
	t.Helper()
	holder := wallet(t, fmt.Sprintf("holder %d", k))
	return testkit.Encode(t, testkit.CareerTx(t, testChain, holder, c.payment, c.attester, uint64(k), fmt.Sprintf("pay_%d", k), 0))
}

// submit posts a transaction to some running member with ?wait=1,
// retrying while the network changes views, and returns its TxID and height.
func (c *cluster) submit(t testing.TB, raw []byte, k int) (string, uint64) {
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for attempt := 0; ; attempt++ {
		ids := c.running()
		r := c.replica(ids[(k+attempt)%len(ids)])
		if r != nil {
			st := r.Status()
			var api string
			for _, m := range st.Members {
				if m.ID == st.ID {
					api = m.API
				}
			}
			if api != "" {
				resp, err := hc.Post(api+"/api/v1/tx?wait=1", "application/json", bytes.NewReader(raw))
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					var res client.SubmitResult
					var e struct{ Code string }
					switch {
					case resp.StatusCode == http.StatusOK && json.Unmarshal(b, &res) == nil:
						if res.Status != "accepted" {
							t.Errorf("tx %d: %+v", k, res)
						}
						return res.TxID, res.Height
					case resp.StatusCode == http.StatusConflict && json.Unmarshal(b, &e) == nil && e.Code == "replay":
						// Committed by an earlier attempt that timed out.
						id := chain.TxID(mustDecode(t, raw))
						var v client.TxView
						if getJSON(context.Background(), hc, api+"/api/v1/tx/"+id, &v) == nil {
							return id, v.Height
						}
					case resp.StatusCode >= 400 && resp.StatusCode < 500:
						t.Errorf("tx %d: %d %s", k, resp.StatusCode, b)
						return "", 0
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("tx %d: no commit within a minute", k)
			return "", 0
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustDecode(t testing.TB, raw []byte) *chain.Tx {
	tx, err := chain.DecodeTx(raw, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// load submits transactions from k on until stop is closed; it returns the
// TxIDs committed.
func (c *cluster) load(t testing.TB, k0 int, stop <-chan struct{}) func() map[string]uint64 {
	done := make(chan map[string]uint64)
	go func() {
		ids := map[string]uint64{}
		for k := k0; ; k++ {
			select {
			case <-stop:
				done <- ids
				return
			default:
			}
			if id, h := c.submit(t, c.careerTx(t, k), k); id != "" {
				ids[id] = h
			}
		}
	}()
	return func() map[string]uint64 { return <-done }
}

// eventually polls cond until it holds or a minute passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// membersOf returns the IDs of the membership replica id runs with.
func membersOf(st client.Status) []uint64 {
	var ids []uint64
	for _, m := range st.Members {
		ids = append(ids, m.ID)
	}
	return ids
}

// sameChain checks that every running replica holds the same blocks up to h.
func (c *cluster) sameChain(t testing.TB, h uint64) {
	t.Helper()
	ids := c.running()
	for height := uint64(1); height <= h; height++ {
		var want []byte
		for _, id := range ids {
			var rb client.RawBlock
			c.mu.Lock()
			api := c.nodes[id].api
			c.mu.Unlock()
			if err := getJSON(context.Background(), hc, api+fmt.Sprintf("/api/v1/blocks/%d?raw=1", height), &rb); err != nil {
				t.Fatalf("replica %d block %d: %v", id, height, err)
			}
			if want == nil {
				want = rb.Block
			} else if !bytes.Equal(want, rb.Block) {
				t.Fatalf("replica %d differs at height %d", id, height)
			}
		}
	}
}

func (c *cluster) status(t testing.TB) client.MSPStatus {
	t.Helper()
	st, err := GetStatus(context.Background(), hc, c.mspURL)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// relisten listens on addr again, waiting for the port to be released.
func relisten(t testing.TB, addr string) net.Listener {
	t.Helper()
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

func chainStampOK(data []byte, counter uint64, d uint8) bool { return chain.StampOK(data, counter, d) }

// joinRequestWith is node k's join request carrying cred.
func (c *cluster) joinRequestWith(t testing.TB, k int, cred client.Credential) *client.JoinRequest {
	t.Helper()
	keys := nodeKeys(k)
	jr, err := NewJoinRequest(context.Background(), NodeIdentity{SignSeed: keys.SignSeed, NetKey: keys.NetKey, Addr: fmt.Sprintf("mem:%d", k), API: "http://127.0.0.1:9"}, testChain, cred, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return jr
}

// resign signs jr again with node k's key after an edit.
func (c *cluster) resign(t testing.TB, k int, jr *client.JoinRequest) *client.JoinRequest {
	t.Helper()
	signer, _ := pbft.NewMLDSASigner(nodeKeys(k).SignSeed)
	b, err := jr.SigningBytes()
	if err != nil {
		t.Fatal(err)
	}
	jr.Sig = hex.EncodeToString(signer.Sign(b))
	return jr
}

// getJSON reads url's JSON answer into out (a test's look at a replica).
func getJSON(ctx context.Context, hc *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}
