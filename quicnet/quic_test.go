package quicnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
)

func TestNewQUICConfigErrors(t *testing.T) {
	good := func() QUICConfig { return testConfig(t, 1, "127.0.0.1:0") }
	tests := []struct {
		name   string
		mutate func(*QUICConfig)
	}{
		{"no listen address", func(c *QUICConfig) { c.ListenAddr = "" }},
		{"bad listen address", func(c *QUICConfig) { c.ListenAddr = "not an address" }},
		{"no key", func(c *QUICConfig) { c.Key = nil }},
		{"short key", func(c *QUICConfig) { c.Key = c.Key[:32] }},
		{"negative max frame", func(c *QUICConfig) { c.MaxFrame = -1 }},
		{"max frame over limit", func(c *QUICConfig) { c.MaxFrame = maxFrameLimit + 1 }},
		{"negative queue", func(c *QUICConfig) { c.QueueLen = -1 }},
		{"negative receive buffer", func(c *QUICConfig) { c.RecvLen = -3 }},
		{"backoff max below min", func(c *QUICConfig) { c.BackoffMin, c.BackoffMax = 2, 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mutate(&cfg)
			tr, err := NewQUIC(cfg)
			if err == nil {
				tr.Close()
				t.Fatal("NewQUIC accepted the config")
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestQUICExchange(t *testing.T) {
	nodes := startNodes(t, 4, nil)
	bulk := func(id uint64) []byte { return bytes.Repeat([]byte{byte(id)}, 300<<10) }
	for _, nd := range nodes {
		nd.tr.Broadcast(ClassControl, fmt.Appendf(nil, "vote from %d", nd.id))
		nd.tr.Broadcast(ClassBulk, bulk(nd.id))
	}
	for _, nd := range nodes {
		got := map[string]bool{}
		for range 2 * (len(nodes) - 1) {
			m := recv(t, nd.tr.Receive())
			if m.From == nd.id {
				t.Fatalf("replica %d received its own frame", nd.id)
			}
			switch {
			case bytes.Equal(m.Data, fmt.Appendf(nil, "vote from %d", m.From)):
				got[fmt.Sprint("control ", m.From)] = true
			case bytes.Equal(m.Data, bulk(m.From)):
				got[fmt.Sprint("bulk ", m.From)] = true
			default:
				t.Fatalf("replica %d: frame of %d bytes from %d matches nothing sent by %d", nd.id, len(m.Data), m.From, m.From)
			}
		}
		if len(got) != 2*(len(nodes)-1) {
			t.Fatalf("replica %d got %v", nd.id, got)
		}
		s := nd.tr.Stats()
		for _, other := range nodes {
			if other.id == nd.id {
				continue
			}
			ps := s.Peers[other.id]
			if !ps.Connected || ps.Received != 2 || ps.BytesReceived != uint64(len("vote from 1")+300<<10) {
				t.Errorf("replica %d, peer %d: %+v", nd.id, other.id, ps)
			}
		}
	}
	for _, nd := range nodes {
		waitFor(t, "send counters", func() bool {
			for _, ps := range nd.tr.Stats().Peers {
				if ps.Sent != 2 || ps.Dropped != 0 {
					return false
				}
			}
			return true
		})
	}
}

// syncBuffer is a log destination safe for the transport's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestQUICSendDrops(t *testing.T) {
	var logs syncBuffer
	nodes := startNodes(t, 2, func(c *QUICConfig) {
		c.MaxFrame = 1024
		if c.ID == 1 {
			c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		}
	})
	a := nodes[0].tr
	a.Send(2, ClassControl, make([]byte, 1025)) // too large
	a.Send(2, Class(7), []byte("x"))            // no such class
	a.Send(99, ClassControl, []byte("x"))       // not a member
	a.Send(2, ClassControl, make([]byte, 1024)) // exactly the limit: delivered
	m := recv(t, nodes[1].tr.Receive())
	if m.From != 1 || len(m.Data) != 1024 {
		t.Fatalf("got %d bytes from %d", len(m.Data), m.From)
	}
	s := a.Stats()
	if s.Peers[2].Dropped != 2 || s.Unknown != 1 || s.Peers[2].OversizedSent != 1 {
		t.Fatalf("stats %+v", s)
	}
	// An oversized frame is never dropped silently: counted above, and
	// logged with the peer and its size.
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "peer=2") || !strings.Contains(l, "size=1025") {
		t.Fatalf("the oversized frame was not logged: %q", l)
	}
}

// TestQUICPeerSendsOversizedFrame plays a member that breaks the protocol:
// the transport must close the connection with the right code and deliver
// nothing of the bad stream.
func TestQUICPeerSendsOversizedFrame(t *testing.T) {
	const maxFrame = 1024
	tests := []struct {
		name     string
		stream   []byte
		wantCode quic.ApplicationErrorCode
	}{
		{"frame over the limit", append([]byte{streamVersion, 0}, header(maxFrame+1)...), codeFrameTooBig},
		{"4 GiB claim", append([]byte{streamVersion, 1}, header(0xFFFFFFFF)...), codeFrameTooBig},
		{"unknown stream version", []byte{7, 0}, codeProtocol},
		{"unknown class", []byte{streamVersion, 9}, codeProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rawKey := testKey("raw member")
			cfg := testConfig(t, 2, "127.0.0.1:0")
			cfg.MaxFrame = maxFrame
			cfg.Peers = []Peer{{ID: 1, Addr: "127.0.0.1:9", Key: rawKey.Public().(ed25519.PublicKey)}}
			srv, err := NewQUIC(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { srv.Close(); checkNoGoroutines(t) }()

			conn := rawDial(t, rawKey, srv.Addr().String())
			// A valid frame first: the raw member is accepted...
			good, err := conn.OpenUniStreamSync(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			good.Write(append([]byte{streamVersion, 0}, frameBytes([]byte("ok"))...))
			if m := recv(t, srv.Receive()); m.From != 1 || string(m.Data) != "ok" {
				t.Fatalf("got %q from %d", m.Data, m.From)
			}
			// ...then the bad stream, with a valid-looking frame after it.
			bad, err := conn.OpenUniStreamSync(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			bad.Write(append(tc.stream, frameBytes([]byte("after"))...))
			<-conn.Context().Done()
			var appErr *quic.ApplicationError
			if cause := context.Cause(conn.Context()); !errors.As(cause, &appErr) || !appErr.Remote || appErr.ErrorCode != tc.wantCode {
				t.Fatalf("connection ended with %v, want remote application error %d", cause, tc.wantCode)
			}
			select {
			case m := <-srv.Receive():
				t.Fatalf("delivered %q after the bad stream", m.Data)
			default:
			}
			if n := srv.Stats().Peers[1].OversizedReceived; (tc.wantCode == codeFrameTooBig) != (n == 1) {
				t.Fatalf("%d oversized frames counted from the peer", n)
			}
		})
	}
}

// rawDial connects to addr as the holder of key, speaking the wire format
// by hand.
func rawDial(t *testing.T, key ed25519.PrivateKey, addr string) *quic.Conn {
	t.Helper()
	cert, err := SelfSignedCert(key)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := quic.DialAddr(t.Context(), addr, &tls.Config{
		Certificates:       []tls.Certificate{cert},
		NextProtos:         []string{alpn},
		InsecureSkipVerify: true,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseWithError(0, "") })
	return conn
}

func TestQUICNonMemberRefused(t *testing.T) {
	t.Run("inbound from a key that is not a member", func(t *testing.T) {
		// Replica 2 expects replica 1 with key K1. An impostor takes ID 1
		// with another key and dials replica 2, sending all the time.
		nodes := startNodes(t, 2, nil)
		victim := nodes[1]
		nodes[0].tr.Close() // the real replica 1 goes away
		drain(victim.tr)

		cfg := testConfig(t, 1, "127.0.0.1:0")
		cfg.Key = testKey("impostor")
		cfg.Peers = []Peer{victim.peer()}
		imp, err := NewQUIC(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer imp.Close()
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
					imp.Send(victim.id, ClassControl, []byte("forged"))
				}
			}
		}()
		waitFor(t, "impostor refused twice", func() bool { return victim.tr.Stats().Refused >= 2 })

		// The real replica 1 comes back on its own address; its frame is
		// the first and only thing the victim receives.
		real, err := NewQUIC(withPeers(testConfig(t, 1, nodes[0].addr), victim.peer()))
		if err != nil {
			t.Fatal(err)
		}
		defer real.Close()
		real.Send(victim.id, ClassControl, []byte("genuine"))
		m := recv(t, victim.tr.Receive())
		close(stop)
		<-done
		if m.From != 1 || string(m.Data) != "genuine" {
			t.Fatalf("victim received %q from %d", m.Data, m.From)
		}
		if s := imp.Stats(); s.Peers[victim.id].Connected || s.Peers[victim.id].Sent != 0 || s.Peers[victim.id].Received != 0 {
			t.Fatalf("impostor stats %+v", s.Peers[victim.id])
		}
	})

	t.Run("dialled address presents another key", func(t *testing.T) {
		// Replica 1 dials replica 2's address, but the process there holds
		// another key. Replica 1 refuses it; nothing crosses either way.
		impCfg := testConfig(t, 2, "127.0.0.1:0")
		impCfg.Key = testKey("impostor")
		impCfg.Peers = []Peer{{ID: 1, Addr: "127.0.0.1:9", Key: testKey("1").Public().(ed25519.PublicKey)}}
		imp, err := NewQUIC(impCfg)
		if err != nil {
			t.Fatal(err)
		}
		defer imp.Close()
		claimed := Peer{ID: 2, Addr: imp.Addr().String(), Key: testKey("2").Public().(ed25519.PublicKey)}
		dialer, err := NewQUIC(withPeers(testConfig(t, 1, "127.0.0.1:0"), claimed))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { dialer.Close(); imp.Close(); checkNoGoroutines(t) }()
		dialer.Send(2, ClassControl, []byte("secret"))
		waitFor(t, "dialer refuses twice", func() bool { return dialer.Stats().Refused >= 2 })
		if s := dialer.Stats().Peers[2]; s.Connected || s.Sent != 0 {
			t.Fatalf("dialer stats %+v", s)
		}
		select {
		case m := <-imp.Receive():
			t.Fatalf("impostor received %q", m.Data)
		default:
		}
	})
}

func withPeers(cfg QUICConfig, peers ...Peer) QUICConfig {
	cfg.Peers = peers
	return cfg
}

// drain empties tr's receive channel of what is already there.
func drain(tr Transport) {
	for {
		select {
		case <-tr.Receive():
		default:
			return
		}
	}
}

// TestQUICSlowConsumer: a receiver that stops reading makes QUIC flow
// control push back; the sender's writer stalls, its queue fills, Send keeps
// returning, and the excess is dropped and counted. Every frame not counted
// as dropped is delivered once the receiver reads again.
//
// First the sender paces itself, waiting after each Send for the writer to
// take the frame, until the writer stops taking frames. Without
// back-pressure that never happens and the test fails. (The pause that
// declares a stall is a heuristic; a false one on a busy machine only ends
// the pacing early, it cannot fail the test.) Then it sends the rest as fast
// as it can.
func TestQUICSlowConsumer(t *testing.T) {
	const (
		queueLen  = 16
		frameSize = 4 << 10
		total     = 16384 // 64 MB, far beyond QUIC's receive windows
		stallWait = 200 * time.Millisecond
	)
	nodes := startNodes(t, 2, func(c *QUICConfig) {
		c.QueueLen = queueLen
		c.RecvLen = 1
	})
	a, b := nodes[0].tr, nodes[1].tr
	a.mu.RLock()
	q := a.peers[2].queues[ClassControl]
	a.mu.RUnlock()
	payload := bytes.Repeat([]byte{'x'}, frameSize)

	paced, stalled := 0, false
	for ; paced < total && !stalled; paced++ {
		a.Send(2, ClassControl, payload)
		for start := time.Now(); len(q) != 0; runtime.Gosched() {
			if time.Since(start) > stallWait {
				stalled = true
				break
			}
		}
	}
	if !stalled {
		t.Fatalf("the writer took all %d frames although the receiver reads nothing", total)
	}
	// QUIC never grants more credit than its connection window (15 MB in
	// quic-go), so that bounds what the writer got rid of.
	if sent := a.Stats().Peers[2].Sent; sent*frameSize > 16<<20 {
		t.Fatalf("writer handed %d bytes to a stalled connection", sent*frameSize)
	}
	for range total - paced {
		a.Send(2, ClassControl, payload) // must return although nothing moves
	}
	dropped := a.Stats().Peers[2].Dropped
	if dropped == 0 {
		t.Fatal("no drops although the queue is full")
	}

	got := uint64(0)
	for got < total-dropped {
		recv(t, b.Receive())
		got++
	}
	waitFor(t, "sender counters settle", func() bool {
		ps := a.Stats().Peers[2]
		return ps.Sent == got && ps.Dropped == dropped
	})
	waitFor(t, "receiver counter settles", func() bool { return b.Stats().Peers[1].Received == got })
	t.Logf("stalled after %d paced frames; %d delivered, %d dropped", paced, got, dropped)
}

// TestQUICBulkDoesNotBlockControl queues 8 MB of bulk frames and then one
// control frame. On a single stream the control frame would arrive after
// all of them; with a stream per class and control first, it overtakes.
func TestQUICBulkDoesNotBlockControl(t *testing.T) {
	const bulkFrames = 8
	nodes := startNodes(t, 2, nil)
	a, b := nodes[0].tr, nodes[1].tr
	for i := range bulkFrames {
		a.Send(2, ClassBulk, bytes.Repeat([]byte{byte(i)}, 1<<20))
	}
	for i := range 100 {
		a.Send(2, ClassControl, fmt.Appendf(nil, "vote %d", i))
	}
	var order []string
	nextVote, nextBulk := 0, 0
	for len(order) < bulkFrames+100 {
		m := recv(t, b.Receive())
		if len(m.Data) == 1<<20 {
			if m.Data[0] != byte(nextBulk) {
				t.Fatalf("bulk frame %d arrived as #%d", m.Data[0], nextBulk)
			}
			nextBulk++
			order = append(order, "bulk")
			continue
		}
		if want := fmt.Sprintf("vote %d", nextVote); string(m.Data) != want {
			t.Fatalf("got %q, want %q: control frames out of order", m.Data, want)
		}
		nextVote++
		order = append(order, "vote")
	}
	lastVote := strings.LastIndex(strings.Join(order, " "), "vote")
	lastBulk := strings.LastIndex(strings.Join(order, " "), "bulk")
	if lastVote > lastBulk {
		t.Fatalf("the control frames waited for all bulk frames: %v", order)
	}
}

func TestQUICReconnectAfterRestart(t *testing.T) {
	for _, restart := range []int{0, 1} { // the dialling (lower) or the accepting side
		t.Run(fmt.Sprintf("restart replica %d", restart+1), func(t *testing.T) {
			nodes := startNodes(t, 2, nil)
			nd, other := nodes[restart], nodes[1-restart]
			nd.tr.Send(other.id, ClassControl, []byte("before"))
			if m := recv(t, other.tr.Receive()); string(m.Data) != "before" {
				t.Fatalf("got %q", m.Data)
			}
			if err := nd.tr.Close(); err != nil {
				t.Fatal(err)
			}
			tr, err := NewQUIC(withPeers(testConfig(t, nd.id, nd.addr), membership(nodes)...))
			if err != nil {
				t.Fatal(err)
			}
			nd.tr = tr // closed by startNodes' cleanup
			waitConnected(t, tr, membership(nodes))
			waitConnected(t, other.tr, membership(nodes))
			// Frames queued while the link was down may or may not have
			// crossed; fresh ones must, in both directions.
			tr.Send(other.id, ClassControl, []byte("after restart"))
			other.tr.Send(nd.id, ClassBulk, []byte("welcome back"))
			waitMessage(t, other.tr, nd.id, "after restart")
			waitMessage(t, tr, other.id, "welcome back")
		})
	}
}

// waitMessage reads from tr until it sees data from `from`.
func waitMessage(t *testing.T, tr Transport, from uint64, data string) {
	t.Helper()
	for {
		m := recv(t, tr.Receive())
		if m.From == from && string(m.Data) == data {
			return
		}
	}
}

func TestQUICSetPeers(t *testing.T) {
	nodes := startNodes(t, 3, nil)
	a, b, c := nodes[0], nodes[1], nodes[2]

	// Replica 2 removes replica 1 (which dials it) and keeps replica 3.
	b.tr.SetPeers([]Peer{b.peer(), c.peer()})
	if _, ok := b.tr.Stats().Peers[a.id]; ok {
		t.Fatal("removed peer still in stats")
	}
	waitFor(t, "replica 1 sees the link drop", func() bool { return !a.tr.Stats().Peers[b.id].Connected })
	waitFor(t, "replica 1's redial refused", func() bool { return b.tr.Stats().Refused >= 1 })
	b.tr.Send(a.id, ClassControl, []byte("to a removed peer"))
	if b.tr.Stats().Unknown != 1 {
		t.Fatal("send to a removed peer not counted as unknown")
	}
	drain(b.tr)
	a.tr.Send(b.id, ClassControl, []byte("from a removed peer"))
	c.tr.Send(b.id, ClassControl, []byte("marker"))
	if m := recv(t, b.tr.Receive()); m.From != c.id || string(m.Data) != "marker" {
		t.Fatalf("replica 2 received %q from %d", m.Data, m.From)
	}

	// Adding replica 1 back reconnects it.
	b.tr.SetPeers(membership(nodes))
	waitConnected(t, b.tr, membership(nodes))
	a.tr.Send(b.id, ClassControl, []byte("readmitted"))
	waitMessage(t, b.tr, a.id, "readmitted")

	// Changing a member's key is a removal of the old identity.
	changed := c.peer()
	changed.Key = testKey("new key of 3").Public().(ed25519.PublicKey)
	a.tr.SetPeers([]Peer{a.peer(), b.peer(), changed})
	waitFor(t, "old key of replica 3 refused", func() bool { return !a.tr.Stats().Peers[c.id].Connected })
	waitFor(t, "replica 1 refuses replica 3's certificate", func() bool { return a.tr.Stats().Refused >= 1 })
}

func TestQUICCloseEndsGoroutines(t *testing.T) {
	checkNoGoroutines(t) // nothing left over from earlier tests
	nodes := startNodes(t, 3, nil)
	for _, nd := range nodes {
		nd.tr.Broadcast(ClassControl, []byte("hello"))
	}
	for _, nd := range nodes {
		recv(t, nd.tr.Receive())
		recv(t, nd.tr.Receive())
	}
	for _, nd := range nodes {
		if err := nd.tr.Close(); err != nil {
			t.Fatal(err)
		}
		if err := nd.tr.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, ok := <-nd.tr.Receive(); ok {
			t.Fatal("receive channel still open after Close")
		}
		nd.tr.Send(1, ClassControl, []byte("after close")) // must not block or panic
		nd.tr.SetPeers(nil)
	}
	checkNoGoroutines(t)
}

// TestQUICRedialsWithBackoff dials a member whose address never answers:
// the transport keeps redialling, drawing jitter from the injected source
// for each wait, and never reports the peer as connected.
func TestQUICRedialsWithBackoff(t *testing.T) {
	silent, err := net.ListenPacket("udp", "127.0.0.1:0") // swallows every packet
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var draws atomic.Int64
	cfg := testConfig(t, 1, "127.0.0.1:0")
	cfg.HandshakeTimeout = 50 * time.Millisecond
	cfg.BackoffMin, cfg.BackoffMax = time.Millisecond, 4*time.Millisecond
	cfg.Jitter = func() float64 { draws.Add(1); return 0.5 }
	cfg.Peers = []Peer{{ID: 2, Addr: silent.LocalAddr().String(), Key: testKey("2").Public().(ed25519.PublicKey)}}
	tr, err := NewQUIC(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { tr.Close(); checkNoGoroutines(t) }()
	tr.Send(2, ClassControl, []byte("anyone there?"))
	waitFor(t, "three redials", func() bool { return draws.Load() >= 3 })
	if ps := tr.Stats().Peers[2]; ps.Connected || ps.Sent != 0 {
		t.Fatalf("stats of an unreachable peer: %+v", ps)
	}
}

// TestQUICSilentPeerDropped: a member that completes the handshake but never
// opens its streams is disconnected, and never counts as connected.
func TestQUICSilentPeerDropped(t *testing.T) {
	rawKey := testKey("silent member")
	cfg := testConfig(t, 2, "127.0.0.1:0")
	cfg.HandshakeTimeout = 100 * time.Millisecond
	cfg.Peers = []Peer{{ID: 1, Addr: "127.0.0.1:9", Key: rawKey.Public().(ed25519.PublicKey)}}
	srv, err := NewQUIC(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); checkNoGoroutines(t) }()
	conn := rawDial(t, rawKey, srv.Addr().String())
	<-conn.Context().Done()
	var appErr *quic.ApplicationError
	if cause := context.Cause(conn.Context()); !errors.As(cause, &appErr) || !appErr.Remote || appErr.ErrorCode != codeProtocol {
		t.Fatalf("connection ended with %v, want remote application error %d", cause, codeProtocol)
	}
	if srv.Stats().Peers[1].Connected {
		t.Fatal("silent peer reported as connected")
	}
}
