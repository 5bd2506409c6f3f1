package quicnet

import (
	"crypto/ed25519"
	"errors"
)

// Sentinel errors. Errors returned by this package wrap one of these.
var (
	// ErrInvalidConfig reports a configuration that cannot work.
	ErrInvalidConfig = errors.New("quicnet: invalid config")
	// ErrInvalidKey reports a key that is not a well-formed Ed25519 key.
	ErrInvalidKey = errors.New("quicnet: invalid Ed25519 key")
	// ErrNotMember reports a peer whose transport key is not in the membership
	// (or is not the key expected for the address dialled).
	ErrNotMember = errors.New("quicnet: peer key is not a member")
	// ErrFrameTooLarge reports a frame longer than the configured maximum.
	ErrFrameTooLarge = errors.New("quicnet: frame too large")
	// ErrBadStream reports a stream that does not start with a valid header.
	ErrBadStream = errors.New("quicnet: bad stream header")
)

// PeerID identifies a replica in the membership.
type PeerID = uint64

// Peer is one member as the membership lists it: its replica ID, the address
// its transport listens on (host:port, UDP), and its Ed25519 transport public
// key, which is also the key of its TLS certificate.
type Peer struct {
	ID   uint64
	Addr string
	Key  ed25519.PublicKey
}

// Message is one inbound frame. From is the ID the membership gives to the
// key that authenticated the connection the frame arrived on. Data belongs
// to the receiver.
type Message struct {
	From uint64
	Data []byte
}

// Class selects the stream a frame travels on. Frames of one class to one
// peer stay in order; classes do not wait for each other.
type Class uint8

const (
	// ClassControl is for small, latency-sensitive frames (votes, view
	// changes). It is sent with priority over ClassBulk.
	ClassControl Class = iota
	// ClassBulk is for large frames (blocks, state transfer).
	ClassBulk

	numClasses = 2
)

// String returns the class name used in logs.
func (c Class) String() string {
	switch c {
	case ClassControl:
		return "control"
	case ClassBulk:
		return "bulk"
	default:
		return "invalid"
	}
}

// Stats is a snapshot of a transport's counters.
type Stats struct {
	// Peers holds one entry per current member other than self.
	Peers map[uint64]PeerStats
	// Refused counts connections (QUIC) or frames (in-memory) refused
	// because the remote key or ID is not a member.
	Refused uint64
	// Unknown counts frames given to Send for an ID that is not a member;
	// they were dropped.
	Unknown uint64
}

// PeerStats are the counters of one peer. Sent counts frames handed to the
// connection; Dropped counts frames for this peer that were thrown away
// (queue full, too large, invalid class, connection lost while writing, or
// transport closed). Received counts frames delivered to Receive.
// OversizedSent and OversizedReceived count frames over the frame limit:
// given to Send or Broadcast for this peer (also counted in Dropped), and
// announced by the peer (the transport then closes the connection). Each
// is logged at WARN with the peer and the size.
type PeerStats struct {
	Connected         bool
	Sent              uint64
	Dropped           uint64
	Received          uint64
	BytesSent         uint64
	BytesReceived     uint64
	OversizedSent     uint64
	OversizedReceived uint64
}

// Transport moves frames between members. All methods are safe for
// concurrent use.
//
// Send takes ownership of data: the caller must not modify it afterwards
// (Broadcast shares one slice among all peers, read-only).
type Transport interface {
	// Send queues data for the peer. It never blocks: when the queue is
	// full, the peer is unknown, or data is too large, the frame is dropped
	// and counted.
	Send(to uint64, class Class, data []byte)
	// Broadcast sends data to every member but self.
	Broadcast(class Class, data []byte)
	// Receive returns the channel of inbound frames, from authenticated
	// members only. It is closed by Close.
	Receive() <-chan Message
	// SetPeers replaces the membership. Entries for self are ignored. New
	// members are connected, removed members disconnected and refused, and
	// a member whose address or key changed is reconnected.
	SetPeers(peers []Peer)
	// Stats returns a snapshot of the counters.
	Stats() Stats
	// Close stops the transport and ends all its goroutines. It is
	// idempotent.
	Close() error
}

var (
	_ Transport = (*QUICTransport)(nil)
	_ Transport = (*MemEndpoint)(nil)
)
