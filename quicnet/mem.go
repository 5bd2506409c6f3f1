package quicnet

import (
	"sync"
	"sync/atomic"
	"time"
)

// MemNetwork is an in-memory network of endpoints, for tests. Frames are
// delivered by the network, which knows each sender's ID, so From is always
// authentic. Links are up by default; Disconnect cuts one (both
// directions), Connect heals it. A Hook can drop or delay each frame.
//
// Semantics match QUICTransport: Send never blocks; each endpoint's inbox is
// a bounded channel, and a frame that does not fit is dropped and counted on
// the sender's side; a receiver refuses (and counts) frames from IDs outside
// its membership. Frames on a link without delay arrive in order; delayed
// frames may overtake each other, as the hook intends.
type MemNetwork struct {
	queueLen int

	mu   sync.Mutex
	eps  map[uint64]*MemEndpoint
	cut  map[[2]uint64]bool
	hook Hook
}

// Hook decides the fate of one frame in a MemNetwork. It runs on the
// sender's goroutine, outside any lock, and must not retain data.
type Hook func(from, to uint64, class Class, data []byte) Verdict

// Verdict is a Hook's decision: drop the frame, or deliver it after Delay
// (zero: at once).
type Verdict struct {
	Drop  bool
	Delay time.Duration
}

// MemOption configures a MemNetwork.
type MemOption func(*MemNetwork)

// MemQueueLen sets the capacity of each endpoint's inbox (default 1024).
func MemQueueLen(n int) MemOption {
	return func(m *MemNetwork) {
		if n > 0 {
			m.queueLen = n
		}
	}
}

// NewMemNetwork returns an empty network.
func NewMemNetwork(opts ...MemOption) *MemNetwork {
	m := &MemNetwork{
		queueLen: defaultQueueLen,
		eps:      make(map[uint64]*MemEndpoint),
		cut:      make(map[[2]uint64]bool),
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Endpoint returns the endpoint of id, creating it (with an empty
// membership) if it does not exist or was closed: closing an endpoint and
// asking for it again models a restart.
func (m *MemNetwork) Endpoint(id uint64) *MemEndpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ep := m.eps[id]; ep != nil && !ep.isClosed() {
		return ep
	}
	ep := &MemEndpoint{
		net:     m,
		id:      id,
		inbox:   make(chan Message, m.queueLen),
		peers:   make(map[uint64]*memPeer),
		pending: make(map[*time.Timer]*memPeer),
	}
	m.eps[id] = ep
	return ep
}

// Disconnect cuts the link between a and b in both directions.
func (m *MemNetwork) Disconnect(a, b uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cut[linkKey(a, b)] = true
}

// Connect heals the link between a and b.
func (m *MemNetwork) Connect(a, b uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.cut, linkKey(a, b))
}

// Partition cuts every link between the two groups.
func (m *MemNetwork) Partition(groupA, groupB []uint64) {
	for _, a := range groupA {
		for _, b := range groupB {
			m.Disconnect(a, b)
		}
	}
}

// Heal restores every link.
func (m *MemNetwork) Heal() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.cut)
}

// SetHook installs h (nil removes it).
func (m *MemNetwork) SetHook(h Hook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hook = h
}

func linkKey(a, b uint64) [2]uint64 {
	if a > b {
		a, b = b, a
	}
	return [2]uint64{a, b}
}

// route returns the open endpoint reachable from→to, and the hook.
func (m *MemNetwork) route(from, to uint64) (*MemEndpoint, Hook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cut[linkKey(from, to)] {
		return nil, m.hook
	}
	return m.eps[to], m.hook
}

// MemEndpoint is one replica's Transport in a MemNetwork.
type MemEndpoint struct {
	net   *MemNetwork
	id    uint64
	inbox chan Message

	refused atomic.Uint64
	unknown atomic.Uint64

	mu      sync.Mutex
	closed  bool
	peers   map[uint64]*memPeer
	pending map[*time.Timer]*memPeer // delayed frames sent by this endpoint, by recipient
}

type memPeer struct {
	sent, dropped, received, bytesSent, bytesRecvd atomic.Uint64
}

// ID returns the endpoint's replica ID.
func (e *MemEndpoint) ID() uint64 { return e.id }

func (e *MemEndpoint) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// member returns the counters of peer id, or nil if id is not a member.
func (e *MemEndpoint) member(id uint64) *memPeer {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.peers[id]
}

// Send delivers data to peer to, or drops and counts it; see Transport.
func (e *MemEndpoint) Send(to uint64, class Class, data []byte) {
	p := e.member(to)
	if p == nil {
		e.unknown.Add(1)
		return
	}
	e.send(to, p, class, data)
}

// Broadcast sends data to every member; see Transport.
func (e *MemEndpoint) Broadcast(class Class, data []byte) {
	e.mu.Lock()
	ids := make(map[uint64]*memPeer, len(e.peers))
	for id, p := range e.peers {
		ids[id] = p
	}
	e.mu.Unlock()
	for id, p := range ids {
		e.send(id, p, class, data)
	}
}

func (e *MemEndpoint) send(to uint64, p *memPeer, class Class, data []byte) {
	if class >= numClasses || e.isClosed() {
		p.dropped.Add(1)
		return
	}
	dst, hook := e.net.route(e.id, to)
	if dst == nil {
		p.dropped.Add(1)
		return
	}
	var v Verdict
	if hook != nil {
		v = hook(e.id, to, class, data)
	}
	if v.Drop {
		p.dropped.Add(1)
		return
	}
	if v.Delay <= 0 {
		e.deliver(dst, p, data)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		p.dropped.Add(1)
		return
	}
	var timer *time.Timer
	timer = time.AfterFunc(v.Delay, func() {
		e.mu.Lock()
		_, live := e.pending[timer]
		delete(e.pending, timer)
		e.mu.Unlock()
		if live {
			e.deliver(dst, p, data)
		}
	})
	e.pending[timer] = p
}

// deliver puts the frame in dst's inbox if dst accepts it.
func (e *MemEndpoint) deliver(dst *MemEndpoint, p *memPeer, data []byte) {
	dst.mu.Lock()
	defer dst.mu.Unlock()
	from := dst.peers[e.id]
	if dst.closed || from == nil {
		if from == nil && !dst.closed {
			dst.refused.Add(1)
		}
		p.dropped.Add(1)
		return
	}
	select {
	case dst.inbox <- Message{From: e.id, Data: data}:
		p.sent.Add(1)
		p.bytesSent.Add(uint64(len(data)))
		from.received.Add(1)
		from.bytesRecvd.Add(uint64(len(data)))
	default:
		p.dropped.Add(1)
	}
}

// Receive returns the inbox; see Transport.
func (e *MemEndpoint) Receive() <-chan Message { return e.inbox }

// SetPeers replaces the membership. Counters of members that stay are kept.
func (e *MemEndpoint) SetPeers(peers []Peer) {
	e.mu.Lock()
	defer e.mu.Unlock()
	next := make(map[uint64]*memPeer, len(peers))
	for _, p := range peers {
		if p.ID == e.id {
			continue
		}
		if old := e.peers[p.ID]; old != nil {
			next[p.ID] = old
		} else {
			next[p.ID] = &memPeer{}
		}
	}
	e.peers = next
}

// Stats returns a snapshot of the counters. A peer counts as connected
// when the link is up and its endpoint is open.
func (e *MemEndpoint) Stats() Stats {
	e.mu.Lock()
	s := Stats{
		Peers:   make(map[uint64]PeerStats, len(e.peers)),
		Refused: e.refused.Load(),
		Unknown: e.unknown.Load(),
	}
	for id, p := range e.peers {
		s.Peers[id] = PeerStats{
			Sent:          p.sent.Load(),
			Dropped:       p.dropped.Load(),
			Received:      p.received.Load(),
			BytesSent:     p.bytesSent.Load(),
			BytesReceived: p.bytesRecvd.Load(),
		}
	}
	closed := e.closed
	e.mu.Unlock()
	for id, ps := range s.Peers {
		dst, _ := e.net.route(e.id, id)
		ps.Connected = !closed && dst != nil && !dst.isClosed()
		s.Peers[id] = ps
	}
	return s
}

// Close stops pending delayed frames, refuses further traffic and closes
// the Receive channel. It is idempotent.
func (e *MemEndpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for timer, p := range e.pending {
		timer.Stop() // a callback already running finds itself gone from pending
		p.dropped.Add(1)
	}
	clear(e.pending)
	close(e.inbox)
	return nil
}
