package quicnet

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitLimit bounds how long a test waits for something that must happen.
// It is a hang guard, not a performance assertion.
const waitLimit = 30 * time.Second

// waitFor polls cond until it holds, failing the test after waitLimit.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recv returns the next message, failing the test after waitLimit.
func recv(t testing.TB, ch <-chan Message) Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("receive channel closed")
		}
		return m
	case <-time.After(waitLimit):
		t.Fatal("gave up waiting for a message")
		return Message{}
	}
}

// testLogger logs warnings and errors into the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// node is a QUIC transport under test with what is needed to restart it.
type node struct {
	id   uint64
	key  ed25519.PrivateKey
	addr string
	tr   *QUICTransport
}

func (n *node) peer() Peer {
	return Peer{ID: n.id, Addr: n.addr, Key: n.key.Public().(ed25519.PublicKey)}
}

// testConfig is a config with short timeouts, so that tests recover from
// lost connections quickly.
func testConfig(t testing.TB, id uint64, addr string) QUICConfig {
	return QUICConfig{
		ID:               id,
		ListenAddr:       addr,
		Key:              testKey(fmt.Sprint(id)),
		Logger:           testLogger(t),
		BackoffMin:       10 * time.Millisecond,
		BackoffMax:       200 * time.Millisecond,
		HandshakeTimeout: 2 * time.Second,
		IdleTimeout:      5 * time.Second,
	}
}

// startNodes starts transports with IDs 1..n on loopback, gives each the
// full membership and waits until every pair is connected. tweak may adjust
// each config. The transports are closed at cleanup, after which no
// goroutine of theirs may remain.
func startNodes(t testing.TB, n int, tweak func(*QUICConfig)) []*node {
	t.Helper()
	nodes := make([]*node, n)
	for i := range nodes {
		id := uint64(i + 1)
		cfg := testConfig(t, id, "127.0.0.1:0")
		if tweak != nil {
			tweak(&cfg)
		}
		tr, err := NewQUIC(cfg)
		if err != nil {
			t.Fatal(err)
		}
		nodes[i] = &node{id: id, key: cfg.Key, addr: tr.Addr().String(), tr: tr}
	}
	t.Cleanup(func() {
		for _, nd := range nodes {
			if err := nd.tr.Close(); err != nil {
				t.Errorf("close %d: %v", nd.id, err)
			}
		}
		checkNoGoroutines(t)
	})
	members := membership(nodes)
	for _, nd := range nodes {
		nd.tr.SetPeers(members)
	}
	for _, nd := range nodes {
		waitConnected(t, nd.tr, members)
	}
	return nodes
}

func membership(nodes []*node) []Peer {
	var ps []Peer
	for _, nd := range nodes {
		ps = append(ps, nd.peer())
	}
	return ps
}

// waitConnected waits until tr reports every other member as connected.
func waitConnected(t testing.TB, tr *QUICTransport, members []Peer) {
	t.Helper()
	waitFor(t, fmt.Sprintf("replica %d connected to all", tr.cfg.ID), func() bool {
		s := tr.Stats()
		for _, p := range members {
			if p.ID != tr.cfg.ID && !s.Peers[p.ID].Connected {
				return false
			}
		}
		return true
	})
}

// checkNoGoroutines waits until no goroutine runs code of this package's
// transports or of quic-go, and fails the test if some remain.
func checkNoGoroutines(t testing.TB) {
	t.Helper()
	var leaked string
	deadline := time.Now().Add(waitLimit)
	for {
		leaked = transportGoroutines()
		if leaked == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines still running after Close:\n%s", leaked)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func transportGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		s := string(g)
		if strings.Contains(s, "quic-go/quic-go") ||
			strings.Contains(s, "quicnet.(*QUICTransport)") ||
			strings.Contains(s, "quicnet.(*MemEndpoint)") {
			out = append(out, s)
		}
	}
	return strings.Join(out, "\n\n")
}
