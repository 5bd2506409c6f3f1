// Package quicnet is the replica-to-replica transport of Careerchain: it moves
// opaque frames between the members of the current membership and nothing
// else. It knows nothing about pBFT; the node package hands it bytes and reads
// bytes back.
//
// Two implementations share the [Transport] interface: [QUICTransport], which
// runs over QUIC with mutual TLS 1.3, and [MemNetwork] endpoints, an in-memory
// network for tests with partitions and drop/delay hooks.
//
// Invariants, for both implementations:
//
//   - Identity comes from keys. A replica's TLS certificate carries its Ed25519
//     transport key; a connection is accepted only when that key belongs to a
//     member, and the [Message.From] of every inbound frame is the ID that the
//     membership assigns to that key. No frame carries a sender ID.
//   - Send and Broadcast never block. Each peer has a bounded queue per
//     [Class]; a frame that does not fit, is larger than the maximum frame
//     size, or is addressed to a non-member is dropped and counted in [Stats].
//   - Frames of one class to one peer arrive in the order they were sent, or
//     not at all (a MemNetwork Hook may delay and so reorder them on
//     purpose). Frames of different classes are independent: a large
//     [ClassBulk] frame never holds back a [ClassControl] frame.
//   - A frame longer than the configured maximum is refused before anything
//     is allocated for it, and the connection that carried it is closed.
//   - Between two members there is one QUIC connection, dialled by the lower
//     ID. A connection counts as established only once the peer has opened
//     its streams, which proves it accepted our certificate.
//   - Close ends every goroutine the transport started, closes the channel
//     returned by Receive, and is idempotent.
//
// Design decisions and their reasons are in RATIONALE.md ("Replica transport").
package quicnet
