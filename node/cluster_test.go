package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/quicnet"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/client"
)

func TestClusterMemCommitsEverywhere(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	var last client.SubmitResult
	for k := range 6 {
		holder := wallet(t, fmt.Sprintf("holder %d", k))
		last = c.submit(t, k%4, c.careerTx(t, holder, uint64(k)))
		if last.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, last)
		}
	}
	c.waitHeight(t, last.Height, all(4)...)
	for h := uint64(1); h <= last.Height; h++ {
		c.sameChain(t, h, all(4)...)
	}
	// Each replica's /metrics: the Prometheus text format, with what it did.
	for i := range 4 {
		m := scrape(t, c.url(i, "/metrics"))
		if m["careerchain_height"] < float64(last.Height) || m["careerchain_txs_accepted_total"] != 6 {
			t.Fatalf("replica %d metrics: height %v, accepted %v", i+1, m["careerchain_height"], m["careerchain_txs_accepted_total"])
		}
		if got := m["careerchain_tx_checks_total"]; got != 6 {
			t.Fatalf("replica %d checked %v transactions, want each of the 6 once", i+1, got)
		}
		// Six blocks are below both merge thresholds: every index write
		// (at least each TxID's) is still in the log.
		if e, n := m["careerchain_ledger_index_log_entries"], m["careerchain_ledger_index_merges_total"]; e < 6 || n != 0 {
			t.Fatalf("replica %d index log: %v entries, %v merges", i+1, e, n)
		}
	}
}

// TestBusyRefusedBeforeRelay fills a replica's pending set to nine tenths
// of its limit (the replica alone, so nothing commits) and submits once
// more: the submitter gets 503 "busy", and no peer receives the refused
// transaction, while it received every one before it.
func TestBusyRefusedBeforeRelay(t *testing.T) {
	c := newCluster(t, 4, false, func(cfg *Config) {
		cfg.MaxPending = 10
		cfg.RequestTimeout = 1 << 20 // no view change while the replica waits alone
	})
	for i := 1; i < 4; i++ {
		c.stop(i)
	}
	peer, err := New(c.config(1)) // not running: the test reads its transport
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	want := map[[32]byte]bool{}
	for k := range 9 {
		tx := c.careerTx(t, wallet(t, fmt.Sprintf("holder %d", k)), uint64(k))
		var res client.SubmitResult
		if code := post(t, c.url(0, "/api/v1/tx"), encode(t, tx), &res); code != http.StatusAccepted {
			t.Fatalf("submission %d: %d %+v", k, code, res)
		}
		id, _ := chain.TxIDBytes(tx)
		want[id] = true
	}
	for deadline := time.Now().Add(30 * time.Second); c.node(0).Status().Pending < 9; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("pending %d, want 9", c.node(0).Status().Pending)
		}
	}
	refused := c.careerTx(t, wallet(t, "holder 9"), 9)
	var e struct{ Error, Code string }
	if code := post(t, c.url(0, "/api/v1/tx"), encode(t, refused), &e); code != http.StatusServiceUnavailable || e.Code != "busy" {
		t.Fatalf("submission at nine tenths of the pending limit: %d %+v", code, e)
	}
	// The relay keeps order: once a marker sent after the refusal arrives,
	// the refused transaction would have arrived before it.
	marker := []byte("marker")
	c.node(0).relayC <- marker
	refusedID, _ := chain.TxIDBytes(refused)
	for {
		select {
		case f := <-peer.tr.Receive():
			m, err := pbft.Decode(f.Data, pbft.MaxMessageSize)
			if err != nil || m.Type != pbft.MsgRequest || m.From != 1 {
				continue
			}
			for _, r := range m.Requests {
				id := sha256.Sum256(r)
				switch {
				case id == refusedID:
					t.Fatal("the peer received the transaction its submitter was told is refused")
				case bytes.Equal(r, marker):
					if len(want) > 0 {
						t.Fatalf("%d accepted submissions never reached the peer", len(want))
					}
					return
				}
				delete(want, id)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the marker was not relayed")
		}
	}
}

// scrape reads a Prometheus text exposition: every sample line is a name
// (with labels, if any) and a number, and every name was declared by a TYPE
// line first.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("content type %q", ct)
	}
	body, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	typed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			typed[f[2]] = true
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		v, err := strconv.ParseFloat(val, 64)
		base, _, _ := strings.Cut(name, "{")
		family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, "_bucket"), "_sum"), "_count")
		if !ok || err != nil || !typed[family] {
			t.Fatalf("not a sample line of a declared metric: %q", line)
		}
		out[name] = v
	}
	return out
}

func TestClusterMemLeaderFailoverAndCatchUp(t *testing.T) { leaderFailover(t, false) }

func TestClusterQUICLeaderFailoverAndCatchUp(t *testing.T) {
	if testing.Short() {
		t.Skip("QUIC cluster in -short mode")
	}
	leaderFailover(t, true)
}

// leaderFailover runs 4 replicas, commits, stops the leader, checks that a
// new leader is chosen and commits continue, restarts the old leader on its
// data directory and checks that it catches up to an identical chain.
func leaderFailover(t *testing.T, useQUIC bool) {
	c := newCluster(t, 4, useQUIC, nil)
	k := 0
	next := func(i int) client.SubmitResult {
		t.Helper()
		res := c.submit(t, i, c.careerTx(t, wallet(t, fmt.Sprintf("holder %d", k)), uint64(k)))
		k++
		if res.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, res)
		}
		return res
	}
	for i := range 3 {
		next(i)
	}
	st := c.node(0).Status()
	old := int(st.Leader - 1)
	c.stop(old)
	others := []int{}
	for i := range 4 {
		if i != old {
			others = append(others, i)
		}
	}
	var last client.SubmitResult
	for j := range 3 {
		last = next(others[j%3])
	}
	c.waitHeight(t, last.Height, others...)
	for _, i := range others {
		if s := c.node(i).Status(); s.Leader == uint64(old+1) || s.View <= st.View {
			t.Fatalf("replica %d: leader %d in view %d after the leader %d stopped (view was %d)", i+1, s.Leader, s.View, old+1, st.View)
		}
	}
	c.start(old)
	// Commits go on; the restarted replica catches up through checkpoints and state transfer.
	deadline := time.Now().Add(180 * time.Second) // liveness bound, generous for a loaded CI machine
	for c.node(old).Status().Height < last.Height {
		if time.Now().After(deadline) {
			t.Fatalf("restarted replica %d stuck at height %d, others at %d", old+1, c.node(old).Status().Height, last.Height)
		}
		last = next(others[k%3])
	}
	c.waitHeight(t, last.Height, all(4)...)
	for h := uint64(1); h <= last.Height; h++ {
		c.sameChain(t, h, all(4)...)
	}
}

// TestQuietChainLaggardCatchesUp: a backup misses every message of the last
// blocks (fewer than a checkpoint interval) and then the chain goes quiet,
// so neither consensus nor a checkpoint will bring it up to date; it must
// notice that it is behind without moving and fetch the blocks.
func TestQuietChainLaggardCatchesUp(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	leader := int(c.node(0).Status().Leader - 1)
	lag := (leader + 1) % 4
	var others []int
	for i := range 4 {
		if i != lag {
			others = append(others, i)
		}
	}
	res := c.submit(t, others[0], c.careerTx(t, wallet(t, "quiet 0"), 0))
	c.waitHeight(t, res.Height, all(4)...)
	c.mem.SetHook(func(from, to uint64, _ quicnet.Class, _ []byte) quicnet.Verdict {
		return quicnet.Verdict{Drop: to == uint64(lag+1) || from == uint64(lag+1)}
	})
	var last client.SubmitResult
	for k := 1; k <= 2; k++ { // 2 blocks < CheckpointInterval (4)
		last = c.submit(t, others[k%3], c.careerTx(t, wallet(t, fmt.Sprintf("quiet %d", k)), uint64(k)))
		if last.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, last)
		}
	}
	c.waitHeight(t, last.Height, others...)
	if h := c.node(lag).Status().Height; h >= last.Height {
		t.Fatalf("the cut-off replica is at %d already; the test needs it behind %d", h, last.Height)
	}
	c.mem.SetHook(nil)
	c.waitHeight(t, last.Height, lag) // no further submissions: the chain is quiet
	c.sameChain(t, last.Height, all(4)...)
}

// TestReadAfterAcknowledgement checks read-your-writes on the replica that
// answered: submitters are acknowledged before the ledger's fsync when the
// block's certificate makes it durable elsewhere (earlyAck), and a look-up
// that follows the acknowledgement must still find the transaction, by
// TxID and under its holder's address.
func TestReadAfterAcknowledgement(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	for k := range 24 {
		holder := wallet(t, fmt.Sprintf("read-after-ack %d", k))
		i := k % 4
		res := c.submit(t, i, c.careerTx(t, holder, uint64(k)))
		if res.Status != "accepted" {
			t.Fatalf("tx %d: %+v", k, res)
		}
		var v client.TxView
		if code := get(t, c.url(i, "/api/v1/tx/"+res.TxID), &v); code != 200 || v.Height != res.Height {
			t.Fatalf("tx %d acknowledged at height %d by replica %d, then GET answered %d (height %d)", k, res.Height, i+1, code, v.Height)
		}
		var page client.CareerPage
		if code := get(t, c.url(i, "/api/v1/address/"+holder.Address()+"/careers"), &page); code != 200 || len(page.Items) != 1 {
			t.Fatalf("tx %d: address look-up answered %d with %d items", k, code, len(page.Items))
		}
	}
}

// TestRelayBatchesSubmissions checks what runRelay sends the other
// replicas: every submission, in order, in frames of at most
// relayFrameBytes of requests each.
func TestRelayBatchesSubmissions(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	c.stop(1)
	peer, err := New(c.config(1)) // not running: the test reads its transport
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	var sent [][]byte
	for k := range 40 { // 40 × 60 KB: more than two frames' worth
		raw := bytes.Repeat([]byte{byte(k)}, 60<<10)
		sent = append(sent, raw)
		c.node(0).relayC <- raw
	}
	var got [][]byte
	frames := 0
	for len(got) < len(sent) {
		select {
		case f := <-peer.tr.Receive():
			m, err := pbft.Decode(f.Data, pbft.MaxMessageSize)
			if err != nil || m.Type != pbft.MsgRequest || m.From != 1 {
				continue // consensus traffic of the running replicas
			}
			size := 0
			for _, r := range m.Requests {
				size += len(r)
			}
			if size > relayFrameBytes && len(m.Requests) > 1 {
				t.Fatalf("a relayed frame holds %d bytes of requests, limit %d", size, relayFrameBytes)
			}
			frames++
			got = append(got, m.Requests...)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d submissions relayed", len(got), len(sent))
		}
	}
	for i := range sent {
		if !bytes.Equal(got[i], sent[i]) {
			t.Fatalf("relayed request %d is not the %d-th submission", i, i)
		}
	}
	if frames < 3 {
		t.Fatalf("2.4 MB of submissions went in %d frames", frames)
	}
}

// TestForwardedRequestsChecked feeds the checker of forwarded requests
// several peers' messages at once, valid and forged transactions mixed: it
// checks them as one batch and must hand the loop exactly the valid ones,
// each still attributed to the peer that sent it.
func TestForwardedRequestsChecked(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	c.stop(0)
	nd, err := New(c.config(0)) // not running: this test plays its loop
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	good := func(k int) []byte {
		return encode(t, c.careerTx(t, wallet(t, fmt.Sprintf("forwarded %d", k)), uint64(k)))
	}
	forged := func(k int) []byte { return bytes.Replace(good(k), []byte("Engineer"), []byte("Engineez"), 1) }
	g1, g2, g3 := good(1), good(2), good(3)
	in := []pbft.Message{
		{Type: pbft.MsgRequest, From: 2, Requests: [][]byte{g1, forged(4), g2}},
		{Type: pbft.MsgRequest, From: 3, Requests: [][]byte{forged(5)}},
		{Type: pbft.MsgRequest, From: 4, Requests: [][]byte{forged(6), g3}},
	}
	for _, m := range in {
		nd.checkC <- m // queued before the checker starts: one batch
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go nd.runChecks(ctx)
	want := map[uint64][][]byte{2: {g1, g2}, 4: {g3}}
	var got []pbft.Message
	select {
	case got = <-nd.checkedC: // the queue was checked as one batch
	case <-time.After(30 * time.Second):
		t.Fatal("the checker passed nothing on")
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages passed, want %d", len(got), len(want))
	}
	for _, m := range got {
		w, ok := want[m.From]
		if !ok || len(m.Requests) != len(w) {
			t.Fatalf("from %d: %d requests passed, want %d", m.From, len(m.Requests), len(w))
		}
		for i := range w {
			if !bytes.Equal(m.Requests[i], w[i]) {
				t.Fatalf("from %d: request %d is not the valid one sent", m.From, i)
			}
		}
	}
	select {
	case more := <-nd.checkedC:
		t.Fatalf("unexpected batch of %d messages", len(more))
	case <-time.After(100 * time.Millisecond):
	}
	if got := nd.metrics.badRequests.Load(); got != 3 {
		t.Fatalf("%d requests counted as bad, want 3", got)
	}
}

// TestRestartKeepsPrimaryUnlessCrashed restarts the whole network twice.
// After clean stops the primary of view 0 goes on proposing in view 0.
// Then replica 1's ledger is marked as after a crash (its loop may have
// sent pre-prepares it never persisted): restored, it proposes nothing in
// the view it was in, and the network commits in a later view.
func TestRestartKeepsPrimaryUnlessCrashed(t *testing.T) {
	// A request timeout long enough (3 s) that a slow start on a loaded
	// machine does not change the view by itself.
	c := newCluster(t, 4, false, func(cfg *Config) { cfg.RequestTimeout = 300 })
	c.submit(t, 0, c.careerTx(t, wallet(t, "restart 0"), 0))
	restart := func(crashed bool) {
		c.stopAll()
		if crashed {
			l, err := ledger.Open(filepath.Join(c.dirs[0], "ledger.db"), ledger.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Update(func(tx *ledger.Tx) error { return tx.SetRunning(true) }); err != nil {
				t.Fatal(err)
			}
			l.Close()
		}
		for i := range 4 {
			c.start(i)
		}
	}
	restart(false)
	c.submit(t, 0, c.careerTx(t, wallet(t, "restart 1"), 1))
	if v := c.node(0).Status().View; v != 0 {
		t.Fatalf("after clean restarts the network is in view %d, want 0", v)
	}
	restart(true)
	res := c.submit(t, 0, c.careerTx(t, wallet(t, "restart 2"), 2))
	if res.Status != "accepted" {
		t.Fatalf("after the crash: %+v", res)
	}
	if v := c.node(1).Status().View; v == 0 {
		t.Fatal("replica 1 restored after a crash proposed again in the view it crashed in")
	}
}

// TestLoneReplicaAnswersAfterFsync: a single replica's own COMMIT decides
// every block, in the Ready that also logs it, so it must never answer a
// submitter before the ledger's fsync — not even when a checkpoint that
// becomes stable in the same step drops the block's entry (K = 1 makes
// that every block). Four replicas do answer early.
func TestLoneReplicaAnswersAfterFsync(t *testing.T) {
	one := newCluster(t, 1, false, func(cfg *Config) { cfg.CheckpointInterval = 1 })
	for k := range 6 {
		one.submit(t, 0, one.careerTx(t, wallet(t, fmt.Sprintf("lone %d", k)), uint64(k)))
	}
	if n := one.node(0).metrics.earlyAnswers.Load(); n != 0 {
		t.Fatalf("a lone replica answered %d submitters before its fsync", n)
	}
	four := newCluster(t, 4, false, nil)
	for k := range 6 {
		four.submit(t, k%4, four.careerTx(t, wallet(t, fmt.Sprintf("four %d", k)), uint64(k)))
	}
	var early uint64
	for i := range 4 {
		early += four.node(i).metrics.earlyAnswers.Load()
	}
	if early == 0 {
		t.Fatal("four replicas never answered before the fsync")
	}
}

// TestOversizedFramesCounted is case 5 (transport part): a frame over the
// QUIC transport's frame limit (16 MiB) is dropped, but never silently: the
// replica counts it in careerchain_transport_frames_dropped_total{reason="size"}
// (quicnet logs it at WARN with the peer and the size).
func TestOversizedFramesCounted(t *testing.T) {
	c := newCluster(t, 4, true, nil)
	const name = `careerchain_transport_frames_dropped_total{reason="size"}`
	if v, ok := scrape(t, c.url(0, "/metrics"))[name]; !ok || v != 0 {
		t.Fatalf("%s = %v (present %v) before any oversized frame", name, v, ok)
	}
	c.node(0).tr.Send(2, quicnet.ClassBulk, make([]byte, 16<<20+1))
	if v := scrape(t, c.url(0, "/metrics"))[name]; v != 1 {
		t.Fatalf("%s = %v after one oversized frame, want 1", name, v)
	}
}
