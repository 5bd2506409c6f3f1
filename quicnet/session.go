package quicnet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// Stream priorities (RFC 9218 urgency, lower first). quic-go schedules a
// lower urgency strictly before a higher one, so queued control frames are
// packed before the rest of a large bulk frame.
const (
	urgencyControl = 0
	urgencyBulk    = 4
	writeBufSize   = 64 << 10
	readBufSize    = 64 << 10
)

// runPeer owns p's connection until p is removed or the transport closes.
// Towards a member with a higher ID it dials, with backoff; from a member
// with a lower ID it waits for the accept loop to hand over a connection.
func (t *QUICTransport) runPeer(p *peer) {
	log := t.log.With("peer", p.ID)
	defer func() {
		// admit hands over under t.mu, before SetPeers or Close can cancel
		// p, so after p.ctx is done nothing more arrives here.
		select {
		case c := <-p.incoming:
			c.CloseWithError(codeNormal, "peer removed")
		default:
		}
	}()
	dials := p.ID > t.cfg.ID
	failures := 0
	var conn *quic.Conn
	for {
		if conn == nil && dials {
			if failures > 0 {
				wait := backoff(failures, t.cfg.BackoffMin, t.cfg.BackoffMax, t.cfg.Jitter())
				timer := time.NewTimer(wait)
				select {
				case <-p.ctx.Done():
					timer.Stop()
					return
				case <-timer.C:
				}
			}
			c, err := t.dial(p)
			if err != nil {
				if p.ctx.Err() != nil {
					return
				}
				failures++
				log.Debug("quicnet: dial failed", "addr", p.Addr, "failures", failures, "err", err)
				continue
			}
			conn = c
		}
		if conn == nil {
			select {
			case <-p.ctx.Done():
				return
			case conn = <-p.incoming:
			}
		}
		healthy, next := t.serve(p, conn, log)
		conn = next
		if p.ctx.Err() != nil {
			if conn != nil {
				conn.CloseWithError(codeNormal, "closing")
			}
			return
		}
		// A connection is healthy once the peer has opened a stream to us,
		// which proves it accepted our certificate. Only then does the
		// backoff start again from its minimum; a peer that keeps refusing
		// us after the handshake is redialled ever more slowly.
		if healthy {
			failures = 1
		} else {
			failures++
		}
	}
}

func (t *QUICTransport) dial(p *peer) (*quic.Conn, error) {
	raddr, err := net.ResolveUDPAddr("udp", p.Addr)
	if err != nil {
		return nil, fmt.Errorf("quicnet: resolve %s: %w", p.Addr, err)
	}
	conn, err := t.tr.Dial(p.ctx, raddr, t.clientTLS(p), t.qcfg)
	if err != nil {
		return nil, fmt.Errorf("quicnet: dial peer %d at %s: %w", p.ID, p.Addr, err)
	}
	return conn, nil
}

// serve runs one connection to p: a writer per class and a reader per
// inbound stream. It returns when the connection ends, p is removed, the
// transport closes, or the accept loop hands over a newer connection from p
// (returned as next).
//
// The connection counts as established (healthy, and Connected in Stats)
// only once the peer has opened a stream to us. In TLS 1.3 a client
// finishes its handshake before the server has checked the client's
// certificate, so a dialler cannot know it was accepted until the server
// speaks. Until then the writers hold their frames in the queue, so nothing
// is sent into a connection that is about to be refused.
func (t *QUICTransport) serve(p *peer, conn *quic.Conn, log *slog.Logger) (healthy bool, next *quic.Conn) {
	ctx, cancel := context.WithCancelCause(p.ctx)
	defer cancel(nil)
	var (
		wg           sync.WaitGroup
		accepted     = make(chan struct{})
		acceptedOnce sync.Once
	)
	markAccepted := func() {
		acceptedOnce.Do(func() {
			p.connected.Store(true)
			log.Info("quicnet: connected", "remote", conn.RemoteAddr().String())
			close(accepted)
		})
	}
	// A peer that completed the handshake but opens no stream within the
	// handshake timeout has refused us or is broken: drop the connection.
	silent := time.AfterFunc(t.cfg.HandshakeTimeout, func() {
		select {
		case <-accepted:
		default:
			cancel(errSilentPeer)
		}
	})
	defer silent.Stop()
	for c := range Class(numClasses) {
		wg.Go(func() {
			if err := t.writeLoop(ctx, p, conn, c, accepted); err != nil {
				cancel(err)
			}
		})
	}
	wg.Go(func() {
		for {
			str, err := conn.AcceptUniStream(ctx)
			if err != nil {
				cancel(err)
				return
			}
			wg.Go(func() {
				if err := t.readLoop(ctx, p, str, markAccepted); err != nil {
					cancel(err)
				}
			})
		}
	})

	select {
	case <-ctx.Done():
	case <-conn.Context().Done():
	case next = <-p.incoming:
		cancel(errReplaced)
	}
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.Canceled) {
		cause = context.Cause(conn.Context())
	}
	code, reason := closeCode(cause)
	cancel(nil)
	conn.CloseWithError(code, reason)
	wg.Wait()
	select {
	case <-accepted:
		healthy = true
		p.connected.Store(false)
		log.Info("quicnet: disconnected", "cause", cause)
	default:
		log.Debug("quicnet: connection ended before the peer spoke", "cause", cause)
	}
	return healthy, next
}

var (
	errReplaced   = errors.New("quicnet: replaced by a newer connection")
	errSilentPeer = errors.New("quicnet: peer opened no stream after the handshake")
)

// closeCode maps why a connection ends to the code sent to the peer.
func closeCode(cause error) (quic.ApplicationErrorCode, string) {
	switch {
	case errors.Is(cause, ErrFrameTooLarge):
		return codeFrameTooBig, "frame too large"
	case errors.Is(cause, ErrBadStream), errors.Is(cause, io.ErrUnexpectedEOF):
		return codeProtocol, "protocol violation"
	case errors.Is(cause, errReplaced):
		return codeReplaced, "replaced by a newer connection"
	case errors.Is(cause, errSilentPeer):
		return codeProtocol, "no stream opened"
	default:
		return codeNormal, "closing"
	}
}

// writeLoop opens p's stream of the class and, once the peer has accepted
// the connection, writes queued frames to it, batching whatever is already
// queued into one flush.
func (t *QUICTransport) writeLoop(ctx context.Context, p *peer, conn *quic.Conn, c Class, accepted <-chan struct{}) error {
	str, err := conn.OpenUniStreamSync(ctx)
	if err != nil {
		return err
	}
	if c == ClassControl {
		str.SetPriority(urgencyControl, false)
	} else {
		str.SetPriority(urgencyBulk, true)
	}
	w := bufio.NewWriterSize(str, writeBufSize)
	if err := writeStreamHeader(w, c); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return nil
	case <-accepted:
	}
	q := p.queues[c]
	for {
		var data []byte
		select {
		case <-ctx.Done():
			return nil
		case data = <-q:
		}
		for {
			if err := writeFrame(w, data); err != nil {
				p.dropped.Add(1)
				return err
			}
			p.sent.Add(1)
			p.bytesSent.Add(uint64(len(data)))
			select {
			case data = <-q:
				continue
			default:
			}
			break
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// readLoop reads frames from one inbound stream and delivers them as
// coming from p, the peer the connection's key belongs to.
func (t *QUICTransport) readLoop(ctx context.Context, p *peer, str *quic.ReceiveStream, markAccepted func()) error {
	r := bufio.NewReaderSize(str, readBufSize)
	if _, err := readStreamHeader(r); err != nil {
		return err
	}
	markAccepted()
	for {
		data, err := readFrame(r, t.cfg.MaxFrame)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if fe := (*frameSizeError)(nil); errors.As(err, &fe) {
				p.oversizedRecvd.Add(1)
				t.log.Warn("quicnet: dropping a frame over the frame limit from the peer; closing the connection", "peer", p.ID, "size", fe.size, "limit", fe.limit)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case t.recv <- Message{From: p.ID, Data: data}:
			p.received.Add(1)
			p.bytesRecvd.Add(uint64(len(data)))
		}
	}
}
