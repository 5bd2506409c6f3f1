package quicnet

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
)

// alpn is the TLS application protocol of replica connections.
const alpn = "careerchain-replica/1"

// Application error codes sent in CONNECTION_CLOSE.
const (
	codeNormal      quic.ApplicationErrorCode = 0 // closing or removed
	codeProtocol    quic.ApplicationErrorCode = 1 // bad stream header or frame
	codeFrameTooBig quic.ApplicationErrorCode = 2 // frame over MaxFrame
	codeNotMember   quic.ApplicationErrorCode = 3 // key not (or no longer) a member
	codeWrongDialer quic.ApplicationErrorCode = 4 // a higher ID dialled a lower one
	codeReplaced    quic.ApplicationErrorCode = 5 // a newer connection from the peer won
)

// Defaults of QUICConfig.
const (
	defaultMaxFrame   = 16 << 20
	defaultQueueLen   = 1024
	defaultRecvLen    = 1024
	defaultBackoffMin = 50 * time.Millisecond
	defaultBackoffMax = 5 * time.Second
	defaultHandshake  = 5 * time.Second
	defaultIdle       = 15 * time.Second
)

// QUICConfig configures a QUICTransport. Zero values take the defaults
// listed on each field.
type QUICConfig struct {
	// ID is this replica's ID. Required.
	ID uint64
	// ListenAddr is the UDP address to bind, e.g. "0.0.0.0:7400" or
	// "127.0.0.1:0" (the bound address is then available from Addr).
	// Required.
	ListenAddr string
	// Key is the replica's Ed25519 transport key; its certificate is
	// SelfSignedCert(Key). Required.
	Key ed25519.PrivateKey
	// Peers is the initial membership (an entry for ID is ignored).
	Peers []Peer
	// MaxFrame is the largest frame, in bytes, sent or accepted. Default
	// 16 MiB, at most 1 GiB.
	MaxFrame int
	// QueueLen is the capacity of each peer's send queue, per class.
	// Default 1024.
	QueueLen int
	// RecvLen is the capacity of the Receive channel. Default 1024.
	RecvLen int
	// Logger receives connection events. Default: discard.
	Logger *slog.Logger
	// BackoffMin and BackoffMax bound the wait between reconnect attempts
	// (doubling, jittered). Defaults 50 ms and 5 s.
	BackoffMin, BackoffMax time.Duration
	// Jitter returns a number in [0, 1) and must be safe for concurrent use.
	// Default: math/rand/v2.Float64.
	Jitter func() float64
	// HandshakeTimeout bounds a QUIC handshake. Default 5 s.
	HandshakeTimeout time.Duration
	// IdleTimeout closes a connection that hears nothing for this long;
	// keep-alives are sent at a third of it. Default 15 s.
	IdleTimeout time.Duration
}

func (c QUICConfig) withDefaults() QUICConfig {
	if c.MaxFrame == 0 {
		c.MaxFrame = defaultMaxFrame
	}
	if c.QueueLen == 0 {
		c.QueueLen = defaultQueueLen
	}
	if c.RecvLen == 0 {
		c.RecvLen = defaultRecvLen
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = defaultBackoffMin
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = max(defaultBackoffMax, c.BackoffMin)
	}
	if c.Jitter == nil {
		c.Jitter = rand.Float64
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = defaultHandshake
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = defaultIdle
	}
	return c
}

func (c QUICConfig) validate() error {
	switch {
	case c.ListenAddr == "":
		return fmt.Errorf("%w: ListenAddr is empty", ErrInvalidConfig)
	case len(c.Key) != ed25519.PrivateKeySize:
		return fmt.Errorf("%w: Key is %d bytes, want an Ed25519 private key (%d bytes)",
			ErrInvalidConfig, len(c.Key), ed25519.PrivateKeySize)
	case c.MaxFrame < 1 || c.MaxFrame > maxFrameLimit:
		return fmt.Errorf("%w: MaxFrame %d, want 1..%d", ErrInvalidConfig, c.MaxFrame, maxFrameLimit)
	case c.QueueLen < 1:
		return fmt.Errorf("%w: QueueLen %d, want >= 1", ErrInvalidConfig, c.QueueLen)
	case c.RecvLen < 1:
		return fmt.Errorf("%w: RecvLen %d, want >= 1", ErrInvalidConfig, c.RecvLen)
	case c.BackoffMin < 0 || c.BackoffMax < c.BackoffMin:
		return fmt.Errorf("%w: backoff %v..%v", ErrInvalidConfig, c.BackoffMin, c.BackoffMax)
	case c.HandshakeTimeout < 0 || c.IdleTimeout < 0:
		return fmt.Errorf("%w: negative timeout", ErrInvalidConfig)
	}
	return nil
}

// QUICTransport is the Transport over QUIC with mutual TLS 1.3.
//
// NewQUIC binds the UDP socket and starts the transport at once: it accepts
// connections from members with lower IDs and dials members with higher IDs,
// until Close. There is no separate Run step, so a transport that exists is
// always listening and Addr is always valid.
//
// One UDP socket serves both the listener and the outgoing connections. Per
// peer there is one connection, and on it one unidirectional stream per
// class and direction.
type QUICTransport struct {
	cfg  QUICConfig
	log  *slog.Logger
	self ed25519.PublicKey
	cert tls.Certificate
	qcfg *quic.Config

	udp *net.UDPConn
	tr  *quic.Transport
	ln  *quic.Listener

	recv   chan Message
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the transport starts

	mu     sync.RWMutex
	peers  map[uint64]*peer
	byKey  map[string]*peer
	closed bool

	refused atomic.Uint64
	unknown atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// peer is the state of one member: its queues, counters and the goroutine
// that owns its connection.
type peer struct {
	Peer
	queues   [numClasses]chan []byte
	incoming chan *quic.Conn // inbound connections handed over by the accept loop
	ctx      context.Context // cancelled when the peer is removed or the transport closes
	cancel   context.CancelFunc

	connected                                      atomic.Bool
	sent, dropped, received, bytesSent, bytesRecvd atomic.Uint64
	oversizedSent, oversizedRecvd                  atomic.Uint64
}

// NewQUIC validates cfg, binds cfg.ListenAddr and starts the transport.
func NewQUIC(cfg QUICConfig) (*QUICTransport, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cert, err := SelfSignedCert(cfg.Key)
	if err != nil {
		return nil, err
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("%w: ListenAddr %q: %w", ErrInvalidConfig, cfg.ListenAddr, err)
	}
	udp, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return nil, fmt.Errorf("quicnet: listen %s: %w", cfg.ListenAddr, err)
	}
	t := &QUICTransport{
		cfg:   cfg,
		log:   cfg.Logger.With("self", cfg.ID),
		self:  cfg.Key.Public().(ed25519.PublicKey),
		cert:  cert,
		udp:   udp,
		recv:  make(chan Message, cfg.RecvLen),
		peers: make(map[uint64]*peer),
		byKey: make(map[string]*peer),
		qcfg: &quic.Config{
			HandshakeIdleTimeout:  cfg.HandshakeTimeout,
			MaxIdleTimeout:        cfg.IdleTimeout,
			KeepAlivePeriod:       cfg.IdleTimeout / 3,
			MaxIncomingStreams:    -1, // no bidirectional streams
			MaxIncomingUniStreams: numClasses,
		},
	}
	// A stateless reset key derived from the transport key lets a replica
	// that restarted tell its peers at once that their old connections are
	// gone, instead of leaving them to the idle timeout.
	resetKey := quic.StatelessResetKey(sha256.Sum256(append([]byte("careerchain quicnet stateless reset\x00"), cfg.Key.Seed()...)))
	t.tr = &quic.Transport{Conn: udp, StatelessResetKey: &resetKey}
	t.ln, err = t.tr.Listen(t.serverTLS(), t.qcfg)
	if err != nil {
		t.tr.Close()
		udp.Close()
		return nil, fmt.Errorf("quicnet: listen %s: %w", cfg.ListenAddr, err)
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.wg.Go(t.acceptLoop)
	t.SetPeers(cfg.Peers)
	t.log.Info("quicnet: listening", "addr", t.Addr().String())
	return t, nil
}

// Addr returns the bound UDP address.
func (t *QUICTransport) Addr() net.Addr { return t.udp.LocalAddr() }

// serverTLS is the TLS config for inbound connections: a client certificate
// is required and its key must be a member.
func (t *QUICTransport) serverTLS() *tls.Config {
	return &tls.Config{
		MinVersion:             tls.VersionTLS13,
		Certificates:           []tls.Certificate{t.cert},
		NextProtos:             []string{alpn},
		ClientAuth:             tls.RequireAnyClientCert,
		SessionTicketsDisabled: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			key, err := peerCertKey(cs)
			if err == nil && t.lookupKey(key) == nil {
				err = fmt.Errorf("%w: %s", ErrNotMember, keyString(key))
			}
			if err != nil {
				t.refused.Add(1)
				t.log.Warn("quicnet: refused inbound connection", "err", err)
			}
			return err
		},
	}
}

// clientTLS is the TLS config for dialling p: the server's certificate key
// must be exactly p's key. The chain is not verified (self-signed
// certificates); the key check replaces it.
func (t *QUICTransport) clientTLS(p *peer) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{t.cert},
		NextProtos:         []string{alpn},
		InsecureSkipVerify: true, // replaced by VerifyConnection's key check
		VerifyConnection: func(cs tls.ConnectionState) error {
			key, err := peerCertKey(cs)
			if err == nil && (!key.Equal(p.Key) || t.lookupKey(key) != p) {
				err = fmt.Errorf("%w: peer %d at %s presented key %s", ErrNotMember, p.ID, p.Addr, keyString(key))
			}
			if err != nil {
				t.refused.Add(1)
				t.log.Warn("quicnet: refused outbound connection", "peer", p.ID, "err", err)
			}
			return err
		},
	}
}

func (t *QUICTransport) lookupKey(key ed25519.PublicKey) *peer {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.byKey[string(key)]
}

// acceptLoop hands each authenticated inbound connection to its peer.
func (t *QUICTransport) acceptLoop() {
	for {
		conn, err := t.ln.Accept(t.ctx)
		if err != nil {
			if t.ctx.Err() == nil {
				t.log.Error("quicnet: accept stopped", "err", err)
			}
			return
		}
		t.admit(conn)
	}
}

// admit derives the peer from the connection's authenticated key and hands
// the connection over. Only members with a lower ID dial us.
func (t *QUICTransport) admit(conn *quic.Conn) {
	key, err := peerCertKey(conn.ConnectionState().TLS)
	code, reason := codeNotMember, "not a member"
	if err == nil {
		t.mu.Lock()
		p := t.byKey[string(key)]
		switch {
		case p == nil || t.closed:
		case p.ID > t.cfg.ID:
			code, reason = codeWrongDialer, "the lower ID dials"
		default:
			// Hand over under t.mu: SetPeers cancels p under the same lock,
			// so a connection handed to a peer that is being removed is
			// still drained and closed by its goroutine.
			var old *quic.Conn
			select {
			case old = <-p.incoming: // an older inbound not yet picked up
			default:
			}
			p.incoming <- conn
			t.mu.Unlock()
			if old != nil {
				old.CloseWithError(codeReplaced, "replaced by a newer connection")
			}
			return
		}
		t.mu.Unlock()
	}
	t.refused.Add(1)
	t.log.Warn("quicnet: refused connection", "remote", conn.RemoteAddr().String(), "reason", reason)
	conn.CloseWithError(code, reason)
}

// SetPeers replaces the membership; see Transport.
func (t *QUICTransport) SetPeers(peers []Peer) {
	want := t.validPeers(peers)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	for id, p := range t.peers {
		w, ok := want[id]
		if ok && w.Addr == p.Addr && w.Key.Equal(p.Key) {
			continue
		}
		delete(t.peers, id)
		delete(t.byKey, string(p.Key))
		p.cancel()
		t.log.Info("quicnet: peer removed", "peer", id)
	}
	for id, w := range want {
		if _, ok := t.peers[id]; ok {
			continue
		}
		p := &peer{Peer: w, incoming: make(chan *quic.Conn, 1)}
		for c := range p.queues {
			p.queues[c] = make(chan []byte, t.cfg.QueueLen)
		}
		p.ctx, p.cancel = context.WithCancel(t.ctx)
		t.peers[id] = p
		t.byKey[string(w.Key)] = p
		t.wg.Go(func() { t.runPeer(p) })
		t.log.Info("quicnet: peer added", "peer", id, "addr", w.Addr)
	}
}

// validPeers keeps the well-formed entries of peers, without self, and
// logs the others. Keys must be unique: an identity is a key.
func (t *QUICTransport) validPeers(peers []Peer) map[uint64]Peer {
	want := make(map[uint64]Peer, len(peers))
	keys := make(map[string]uint64, len(peers))
	for _, p := range peers {
		if p.ID == t.cfg.ID {
			if !p.Key.Equal(t.self) {
				t.log.Warn("quicnet: membership lists another key for self", "peer", p.ID)
			}
			continue
		}
		var problem string
		switch {
		case len(p.Key) != ed25519.PublicKeySize:
			problem = "key is not an Ed25519 public key"
		case p.Addr == "":
			problem = "empty address"
		case p.Key.Equal(t.self):
			problem = "uses this replica's key"
		default:
			if other, dup := keys[string(p.Key)]; dup && other != p.ID {
				problem = fmt.Sprintf("same key as peer %d", other)
			}
			if _, dup := want[p.ID]; dup {
				problem = "listed twice"
			}
		}
		if problem != "" {
			t.log.Warn("quicnet: ignoring membership entry", "peer", p.ID, "reason", problem)
			continue
		}
		p.Key = append(ed25519.PublicKey(nil), p.Key...)
		want[p.ID] = p
		keys[string(p.Key)] = p.ID
	}
	return want
}

// Send queues data for peer to; see Transport.
func (t *QUICTransport) Send(to uint64, class Class, data []byte) {
	t.mu.RLock()
	p, closed := t.peers[to], t.closed
	t.mu.RUnlock()
	if p == nil {
		t.unknown.Add(1)
		return
	}
	t.enqueue(p, closed, class, data)
}

// Broadcast queues data for every member; see Transport.
func (t *QUICTransport) Broadcast(class Class, data []byte) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, p := range t.peers {
		t.enqueue(p, t.closed, class, data)
	}
}

func (t *QUICTransport) enqueue(p *peer, closed bool, class Class, data []byte) {
	if len(data) > t.cfg.MaxFrame {
		p.dropped.Add(1)
		p.oversizedSent.Add(1)
		t.log.Warn("quicnet: dropping a frame over the frame limit", "peer", p.ID, "size", len(data), "limit", t.cfg.MaxFrame, "class", class.String())
		return
	}
	if closed || class >= numClasses {
		p.dropped.Add(1)
		return
	}
	select {
	case p.queues[class] <- data:
	default:
		p.dropped.Add(1)
	}
}

// Receive returns the inbound frames; see Transport.
func (t *QUICTransport) Receive() <-chan Message { return t.recv }

// Stats returns a snapshot of the counters.
func (t *QUICTransport) Stats() Stats {
	t.mu.RLock()
	defer t.mu.RUnlock()
	s := Stats{
		Peers:   make(map[uint64]PeerStats, len(t.peers)),
		Refused: t.refused.Load(),
		Unknown: t.unknown.Load(),
	}
	for id, p := range t.peers {
		s.Peers[id] = PeerStats{
			Connected:     p.connected.Load(),
			Sent:          p.sent.Load(),
			Dropped:       p.dropped.Load(),
			Received:      p.received.Load(),
			BytesSent:     p.bytesSent.Load(),
			BytesReceived: p.bytesRecvd.Load(),

			OversizedSent:     p.oversizedSent.Load(),
			OversizedReceived: p.oversizedRecvd.Load(),
		}
	}
	return s
}

// Close closes every connection (telling the peers), waits for all
// goroutines, closes the socket and then the Receive channel.
func (t *QUICTransport) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		t.cancel()
		t.wg.Wait()
		t.closeErr = errors.Join(t.ln.Close(), t.tr.Close(), t.udp.Close())
		if t.closeErr != nil {
			t.closeErr = fmt.Errorf("quicnet: close: %w", t.closeErr)
		}
		close(t.recv)
		t.log.Info("quicnet: closed")
	})
	return t.closeErr
}
