package node

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

// BenchmarkReplicaHeap measures the memory of one replica whose ledger
// holds NODE_HEAP_N career records (default 20,000; 1,000,000 for the
// target "a replica's heap ≤ 200 MB at one million records"):
//
//	NODE_HEAP_N=1000000 go test -run '^$' -bench ReplicaHeap -timeout 60m ./node/
//
// Three processes take part, so that the measured process holds exactly
// one replica:
//
//  1. A helper process builds the chain: four replicas (New, never Run)
//     driven by this file over the in-memory transport, so every block of
//     1,000 career.register transactions is agreed by real pBFT cores with
//     ML-DSA certificates, and each replica persists and executes it
//     through its own handleReadies (hard state, entries, applyBlock,
//     indexes) into its own ledger. The only shortcut: every transaction is
//     handed to every replica as a submission that passed its checks
//     (Node.propose, what the API does after checkTx), so the build does
//     not verify three Ed25519 signatures per transaction on each replica;
//     the requests the backups then forward are dropped unchecked.
//  2. A second helper process runs replicas 2–4 on their ledgers, over QUIC.
//  3. This process opens and runs replica 1 on its ledger (QUIC on
//     loopback, the client API over HTTP), times the start, looks records
//     up through the API (by TxID with the Merkle proof checked against the
//     block, by address with pagination, the block itself), commits new
//     transactions through consensus, and reports after runtime.GC() the Go
//     heap and the process's RSS.
//
// Metrics: heap-inuse-MiB and heap-alloc-MiB (after GC, at the end),
// start-heap-MiB (HeapInuse after GC once the replica is up, before any
// look-up), rss-MiB and hwm-MiB (/proc/self/status VmRSS and VmHWM; the
// ledger's memory map counts in them as the pages are read), rss-anon-MiB
// and rss-file-MiB (RssAnon, RssFile: process memory and mapped file
// pages; start-… once the replica is up), open-ms
// (New: ledger open, checks, restore, transport), ready-ms (until the three
// peers are connected), ledger-MiB (the file), records. NODE_HEAP_PROFILE=
// FILE also writes a heap profile at the point of measurement.
func BenchmarkReplicaHeap(b *testing.B) {
	n := 20_000
	if s := os.Getenv("NODE_HEAP_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("NODE_HEAP_N=%q is not a positive integer", s)
		}
	}
	setup := heapSetup{Root: b.TempDir(), N: n}
	for range 4 {
		setup.NetAddr = append(setup.NetAddr, freeUDP(b))
		setup.APIAddr = append(setup.APIAddr, freeTCP(b))
	}
	t0 := time.Now()
	if out, err := runHeapHelper(setup, "build", nil); err != nil {
		b.Fatalf("building the ledgers: %v\n%s", err, out)
	}
	b.Logf("built %d records in %v", n, time.Since(t0).Round(time.Second))
	var sample heapSample
	if raw, err := os.ReadFile(filepath.Join(setup.Root, "sample.json")); err != nil {
		b.Fatal(err)
	} else if err := json.Unmarshal(raw, &sample); err != nil {
		b.Fatal(err)
	}
	if len(sample.Records) == 0 || sample.Height == 0 {
		b.Fatalf("the build left no sample: %+v", sample)
	}

	startPeers(b, setup)
	c := heapCluster(b, setup, true)
	t1 := time.Now()
	c.start(0)
	open := time.Since(t1)
	for c.node(0).Status().PeersConnected < 3 {
		if time.Since(t1) > 60*time.Second {
			b.Fatalf("replica 1 not connected to its peers after 60 s: %+v", c.node(0).Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
	ready := time.Since(t1)
	if st := c.node(0).Status(); st.Height != sample.Height {
		b.Fatalf("replica 1 restarted at height %d, the build ended at %d", st.Height, sample.Height)
	}
	time.Sleep(time.Second) // let it run: ticks, catch-up polls, QUIC keep-alives
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	startHeap := ms.HeapInuse
	startAnon, startFile := procStatusKiB(b, "RssAnon"), procStatusKiB(b, "RssFile")

	k := 0
	for b.Loop() {
		heapLookups(b, c, &sample.Records[k%len(sample.Records)])
		k++
	}

	// New transactions through consensus, on top of the big ledger.
	commits := 8
	for i := range commits {
		holder := wallet(b, fmt.Sprintf("heap new holder %d", i))
		tx := careerTx(b, testChainID, holder, c.payment, c.attester, 0, fmt.Sprintf("heap_new_%d", i), 0)
		res := c.submit(b, i%4, tx)
		if res.Status != "accepted" || res.Height <= sample.Height {
			b.Fatalf("new transaction %d: %+v (the build ended at height %d)", i, res, sample.Height)
		}
		c.waitHeight(b, res.Height, 0) // replica 1 may execute it a little after the one that answered
		var v client.TxView
		if code := get(b, c.url(0, "/api/v1/tx/"+res.TxID), &v); code != http.StatusOK || v.Height != res.Height {
			b.Fatalf("new transaction %s: GET answered %d at height %d, committed at %d", res.TxID, code, v.Height, res.Height)
		}
	}

	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	rss, hwm := procStatusKiB(b, "VmRSS"), procStatusKiB(b, "VmHWM")
	anon, file := procStatusKiB(b, "RssAnon"), procStatusKiB(b, "RssFile")
	if path := os.Getenv("NODE_HEAP_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	const mib = 1 << 20
	b.ReportMetric(float64(ms.HeapInuse)/mib, "heap-inuse-MiB")
	b.ReportMetric(float64(ms.HeapAlloc)/mib, "heap-alloc-MiB")
	b.ReportMetric(float64(startHeap)/mib, "start-heap-MiB")
	b.ReportMetric(float64(rss)/1024, "rss-MiB")
	b.ReportMetric(float64(hwm)/1024, "hwm-MiB")
	b.ReportMetric(float64(anon)/1024, "rss-anon-MiB")
	b.ReportMetric(float64(file)/1024, "rss-file-MiB")
	b.ReportMetric(float64(startAnon)/1024, "start-rss-anon-MiB")
	b.ReportMetric(float64(startFile)/1024, "start-rss-file-MiB")
	b.ReportMetric(float64(open.Microseconds())/1000, "open-ms")
	b.ReportMetric(float64(ready.Microseconds())/1000, "ready-ms")
	b.ReportMetric(float64(sample.LedgerBytes)/mib, "ledger-MiB")
	b.ReportMetric(float64(n), "records")
}

// heapSetup is what the benchmark passes to its helper processes.
type heapSetup struct {
	Root    string   // holds node1..node4, each a replica's data directory
	N       int      // career records to build
	NetAddr []string // QUIC addresses, in the genesis
	APIAddr []string // API addresses, in the genesis
}

// heapSample is what the build leaves for the benchmark to look up.
type heapSample struct {
	Height      uint64
	LedgerBytes int64
	Records     []heapRecord
}

type heapRecord struct {
	TxID   string
	Addr   string
	Count  int // career records of Addr on chain
	Height uint64
	Index  int
}

const heapPerBlock = 1000

// heapCluster is the cluster of the benchmark: fixed addresses (the
// genesis names them, so every process must agree), data under s.Root.
func heapCluster(tb testing.TB, s heapSetup, useQUIC bool) *cluster {
	c := &cluster{t: tb, quic: useQUIC,
		operator: wallet(tb, "operator"), attester: wallet(tb, "attester"), payment: wallet(tb, "payment"),
		apiAddr: s.APIAddr, netAddr: s.NetAddr, nodes: make([]*Node, 4), done: make([]chan error, 4)}
	if !useQUIC {
		c.mem = quicnet.NewMemNetwork(quicnet.MemQueueLen(1 << 14))
	}
	for i := range 4 {
		c.keys = append(c.keys, nodeKeys(i+1))
		c.dirs = append(c.dirs, filepath.Join(s.Root, fmt.Sprintf("node%d", i+1)))
	}
	c.genesis = testGenesis(tb, c.keys, c.netAddr, c.apiAddr, c.operator, c.attester, c.payment)
	tb.Cleanup(c.stopAll)
	return c
}

// heapCareerTx is careerTx for worker goroutines: errors are returned.
func heapCareerTx(holder, payment, attester chain.Wallet, nonce uint64, payID string) ([]byte, error) {
	s := chain.NewStatement(holder, testChainID, nonce, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2021-01-01", Skills: []string{"Go"}})
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		return nil, err
	}
	r, err := chain.SignReceipt(payment.PrivateKey(), chain.NewReceipt("sandbox", payID, 5000, "KRW", s.Digest()))
	if err != nil {
		return nil, err
	}
	a, err := chain.Attest(attester.PrivateKey(), s, r, 1700000000)
	if err != nil {
		return nil, err
	}
	tx := chain.NewCareerTx(s, sig, r, a)
	if err := chain.Mine(context.Background(), tx, 0); err != nil {
		return nil, err
	}
	return chain.EncodeTx(tx)
}

// heapHelperCmd prepares a helper process (TestHeapBenchHelper) in role,
// its output going to Root/role.log.
func heapHelperCmd(s heapSetup, role string) (*exec.Cmd, string, error) {
	js, err := json.Marshal(s)
	if err != nil {
		return nil, "", err
	}
	logPath := filepath.Join(s.Root, role+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHeapBenchHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NODE_HEAP_HELPER="+role, "NODE_HEAP_SETUP="+string(js))
	cmd.Stdout, cmd.Stderr = f, f
	if role == "build" {
		cmd.Stderr = io.MultiWriter(f, os.Stderr) // its progress
	}
	return cmd, logPath, nil
}

// runHeapHelper runs a helper process to its end and returns its output.
func runHeapHelper(s heapSetup, role string, stdin io.Reader) ([]byte, error) {
	cmd, logPath, err := heapHelperCmd(s, role)
	if err != nil {
		return nil, err
	}
	cmd.Stdin = stdin
	err = cmd.Run()
	out, _ := os.ReadFile(logPath)
	return out, err
}

// startPeers runs replicas 2–4 in a helper process until the benchmark
// ends (it closes the helper's stdin) and waits until their APIs answer.
func startPeers(b *testing.B, s heapSetup) {
	cmd, logPath, err := heapHelperCmd(s, "peers")
	if err != nil {
		b.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var werr error
	go func() { werr = cmd.Wait(); close(done) }()
	b.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(120 * time.Second)
	for i := 1; i < 4; {
		select {
		case <-done:
			out, _ := os.ReadFile(logPath)
			b.Fatalf("the peers' process ended: %v\n%s", werr, out)
		default:
		}
		if resp, err := httpClient.Get("http://" + s.APIAddr[i] + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				i++
				continue
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("replica %d did not start within 120 s", i+1)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHeapBenchHelper is the helper process of BenchmarkReplicaHeap; run
// on its own it does nothing.
func TestHeapBenchHelper(t *testing.T) {
	role := os.Getenv("NODE_HEAP_HELPER")
	if role == "" {
		t.Skip("helper process of BenchmarkReplicaHeap")
	}
	var s heapSetup
	if err := json.Unmarshal([]byte(os.Getenv("NODE_HEAP_SETUP")), &s); err != nil {
		t.Fatal(err)
	}
	switch role {
	case "build":
		buildHeapLedgers(t, s)
	case "peers":
		c := heapCluster(t, s, true)
		for i := 1; i < 4; i++ {
			c.start(i)
		}
		io.Copy(io.Discard, os.Stdin) // until the benchmark closes it
		c.stopAll()
	default:
		t.Fatalf("unknown helper role %q", role)
	}
}

// buildHeapLedgers builds the chain of s.N career records in the four
// replicas' data directories (see BenchmarkReplicaHeap) and writes
// Root/sample.json.
func buildHeapLedgers(t *testing.T, s heapSetup) {
	c := heapCluster(t, s, false)
	nodes := make([]*Node, 4)
	for i := range nodes {
		cfg := c.config(i)
		cfg.NoSync = true // the same file; only the fsyncs are skipped
		cfg.MaxBatch = heapPerBlock
		nd, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer nd.Close()
		nodes[i] = nd
	}
	holders := max(s.N/10, 1)
	wallets := make([]chain.Wallet, holders)
	werrs := make([]error, holders)
	parallel(holders, func(h int) { wallets[h], werrs[h] = chain.WalletFromSeed(seed(fmt.Sprintf("heap holder %d", h))) })
	for _, err := range werrs {
		if err != nil {
			t.Fatal(err)
		}
	}
	gen := func(k int) ([]byte, error) {
		return heapCareerTx(wallets[k%holders], c.payment, c.attester, uint64(k/holders), fmt.Sprintf("heap_%d", k))
	}

	// Transactions are generated on both cores while the replicas agree
	// on and apply the previous blocks.
	type batch struct {
		raws [][]byte
		err  error
	}
	blocks := (s.N + heapPerBlock - 1) / heapPerBlock
	batches := make(chan batch, 8)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		for blk := range blocks {
			lo, hi := blk*heapPerBlock, min((blk+1)*heapPerBlock, s.N)
			bt := batch{raws: make([][]byte, hi-lo)}
			errs := make([]error, hi-lo)
			parallel(hi-lo, func(i int) { bt.raws[i], errs[i] = gen(lo + i) })
			for _, err := range errs {
				if err != nil && bt.err == nil {
					bt.err = err
				}
			}
			select {
			case batches <- bt:
			case <-stop:
				return
			}
		}
	}()

	primary := nodes[0]
	version := primary.state.Load().version
	var height uint64
	var waited time.Duration // for the next transactions
	start := time.Now()
	for {
		// As many blocks as the primary may have in flight.
		group := 0
		for ; group < primary.cfg.MaxInFlight; group++ {
			tw := time.Now()
			bt, ok := <-batches
			waited += time.Since(tw)
			if !ok {
				break
			}
			if bt.err != nil {
				t.Fatal(bt.err)
			}
			for _, raw := range bt.raws {
				id := sha256.Sum256(raw)
				for i, nd := range nodes {
					if err := nd.propose(proposal{raw: raw, id: id, version: version}); err != nil {
						t.Fatalf("replica %d: propose: %v", i+1, err)
					}
				}
			}
			height++
		}
		if group == 0 {
			break
		}
		primary.core.Tick(time.Now().UnixMilli()) // block time
		pumpHeap(t, nodes)
		for i, nd := range nodes {
			if got := nd.core.Status().Executed; got != height {
				t.Fatalf("replica %d executed %d blocks, %d were proposed", i+1, got, height)
			}
		}
		if height%100 < uint64(group) {
			fmt.Fprintf(os.Stderr, "heap bench build: %d blocks, %d records, %v (%v waiting for transactions)\n", height, min(int(height)*heapPerBlock, s.N), time.Since(start).Round(time.Second), waited.Round(time.Second))
		}
	}
	pumpHeap(t, nodes) // the last checkpoint

	// Every replica holds the same chain; the sample's records are where
	// the build put them, accepted, and pass the stateless checks (real
	// signatures).
	sample := heapSample{Height: height}
	var want pbft.Hash
	for i, nd := range nodes {
		var d pbft.Hash
		err := nd.readLedger(func(tx *ledger.Tx) error {
			var err error
			if tx.Height() != height {
				return fmt.Errorf("ledger at height %d, want %d", tx.Height(), height)
			}
			d, err = tx.StateDigest()
			return err
		})
		if err != nil {
			t.Fatalf("replica %d: %v", i+1, err)
		}
		if i == 0 {
			want = d
		} else if d != want {
			t.Fatalf("replica %d has another chain", i+1)
		}
	}
	st := primary.state.Load()
	for i, prev := 0, -1; i < 256; i++ {
		k := i * (s.N - 1) / 255
		if k == prev {
			continue
		}
		prev = k
		raw, err := gen(k)
		if err != nil {
			t.Fatal(err)
		}
		if r := checkTx(context.Background(), raw, st, NopPlugins{}, BlockContext{ChainID: st.chainID}); r.verdict.Verdict != pbft.Accept {
			t.Fatalf("record %d fails its checks: %v", k, r.err)
		}
		id := sha256.Sum256(raw)
		h := k % holders
		rec := heapRecord{TxID: hex.EncodeToString(id[:]), Addr: wallets[h].Address(), Count: (s.N - h + holders - 1) / holders}
		err = primary.readLedger(func(tx *ledger.Tx) error {
			loc, ok := tx.TxLoc(id)
			if !ok || loc.Code != ledger.Accepted {
				return fmt.Errorf("record %d: %+v, %v", k, loc, ok)
			}
			rec.Height, rec.Index = loc.Height, int(loc.Index)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sample.Records = append(sample.Records, rec)
	}
	path := primary.led.Path()
	for i, nd := range nodes {
		if err := nd.Close(); err != nil {
			t.Fatalf("close replica %d: %v", i+1, err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	sample.LedgerBytes = fi.Size()
	js, err := json.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.Root, "sample.json"), js, 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "heap bench build: %d records in %d blocks, %v, ledger %d MiB\n", s.N, height, time.Since(start).Round(time.Second), fi.Size()>>20)
}

// pumpHeap runs the replicas' loops by hand (no Run, so no goroutine of
// theirs) until none has anything left to do: each steps the frames in
// its inbox and handles its Readies (persist, send, apply). Replicas take
// their turns in parallel; each one's state is touched by one goroutine.
func pumpHeap(t *testing.T, nodes []*Node) {
	for {
		busy := make([]bool, len(nodes))
		errs := make([]error, len(nodes))
		var wg sync.WaitGroup
		for i, nd := range nodes {
			wg.Go(func() {
				recv := nd.tr.Receive()
			drain:
				for {
					select {
					case m := <-recv:
						nd.stepFrame(m)
						busy[i] = true
					case <-nd.checkC:
						// A forwarded request: every replica has it already.
					default:
						break drain
					}
				}
				if nd.core.HasReady() {
					busy[i] = true
				}
				var fetches []*pbft.Fetch
				if errs[i] = nd.handleReadies(&fetches); errs[i] == nil && len(fetches) > 0 {
					errs[i] = fmt.Errorf("asks for state transfer to %d", fetches[0].To)
				}
			})
		}
		wg.Wait()
		any := false
		for i, nd := range nodes {
			if errs[i] != nil {
				t.Fatalf("replica %d: %v", i+1, errs[i])
			}
			any = any || busy[i] || len(nd.tr.Receive()) > 0
		}
		if !any {
			return
		}
	}
}

// heapLookups is one round of reads through replica 1's API, each checked.
func heapLookups(b *testing.B, c *cluster, r *heapRecord) {
	var v client.TxView
	if code := get(b, c.url(0, "/api/v1/tx/"+r.TxID), &v); code != http.StatusOK {
		b.Fatalf("GET tx %s: %d", r.TxID, code)
	}
	id, _ := hex32(r.TxID)
	root, ok := hex32(v.Block.TxRoot)
	switch {
	case v.TxID != r.TxID || v.Height != r.Height || v.Index != r.Index || v.Result != "accepted":
		b.Fatalf("GET tx %s: %s at %d/%d %s, want %d/%d accepted", r.TxID, v.TxID, v.Height, v.Index, v.Result, r.Height, r.Index)
	case v.Record == nil || v.Record.Status != "active":
		b.Fatalf("GET tx %s: record %+v", r.TxID, v.Record)
	case sha256.Sum256(v.Tx) != id:
		b.Fatalf("GET tx %s: the transaction shown does not hash to its TxID", r.TxID)
	case !ok || !chain.VerifyMerkleProof(id[:], root, v.Index, v.Block.TxCount, v.Proof):
		b.Fatalf("GET tx %s: the Merkle proof does not lead to the block's tx_root", r.TxID)
	case len(v.Certificate.Sigs) < 3 || v.Certificate.Seq != v.Height:
		b.Fatalf("GET tx %s: certificate %+v", r.TxID, v.Certificate)
	}

	var bv client.BlockView
	if code := get(b, c.url(0, fmt.Sprintf("/api/v1/blocks/%d", r.Height)), &bv); code != http.StatusOK {
		b.Fatalf("GET block %d: %d", r.Height, code)
	}
	if bv.Header != v.Block || len(bv.Txs) != v.Block.TxCount || sha256.Sum256(bv.Txs[r.Index]) != id {
		b.Fatalf("GET block %d: header %+v with %d transactions, the transaction's view says %+v", r.Height, bv.Header, len(bv.Txs), v.Block)
	}

	const limit = 4
	total, found, after := 0, false, ""
	var lastH uint64
	lastI := uint32(0)
	for pages := 0; ; pages++ {
		if pages > r.Count/limit+1 {
			b.Fatalf("address %s: more pages than its %d records need", r.Addr, r.Count)
		}
		url := c.url(0, "/api/v1/address/"+r.Addr+"/careers?limit="+strconv.Itoa(limit))
		if after != "" {
			url += "&after=" + after
		}
		var p client.CareerPage
		if code := get(b, url, &p); code != http.StatusOK {
			b.Fatalf("GET %s: %d", url, code)
		}
		for _, e := range p.Items {
			if e.Height < lastH || (e.Height == lastH && e.Index <= lastI && total > 0) || e.Type != chain.TypeRegister {
				b.Fatalf("address %s: entry %+v out of order or of the wrong type", r.Addr, e)
			}
			lastH, lastI = e.Height, e.Index
			found = found || e.TxID == r.TxID
			total++
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if total != r.Count || !found {
		b.Fatalf("address %s: %d records listed (want %d), %s among them: %v", r.Addr, total, r.Count, r.TxID, found)
	}
}

// procStatusKiB reads a "Key:  N kB" line of /proc/self/status.
func procStatusKiB(b *testing.B, key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			fields := strings.Fields(rest)
			if len(fields) == 2 && fields[1] == "kB" {
				if v, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return v
				}
			}
		}
	}
	b.Fatalf("no %s in /proc/self/status", key)
	return 0
}
