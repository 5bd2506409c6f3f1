// Package node turns the pure pBFT core (package pbft) into a running
// Careerchain replica: a bbolt ledger (package node/ledger), a transport
// (package quicnet), deterministic execution of committed transactions, a
// block validator that runs before the replica votes, state transfer, and
// the client JSON API under /api/v1/, with /healthz (alive), /readyz
// (caught up and a quorum reachable, the reasons in the body) and /metrics
// (client_golang, metrics.go).
//
// Concurrency lives in node.go alone: one goroutine owns the core and the
// write side of the ledger; it drains inbound frames, ticks, takes proposals
// from the API through a channel, and handles each Ready in the order the
// core demands. API handlers only read the ledger (bbolt snapshots) and
// talk to the loop through channels.
//
// Invariants:
//   - Persist before send: a Ready's hard state, entries and committed
//     blocks (with every index and execution result they touch) are
//     written in one bbolt transaction, fsynced, before any of its messages
//     leave the replica. One fsync covers every transaction of every block
//     in the Ready (group commit).
//   - Execution is deterministic: it depends only on the chain (genesis and
//     blocks), never on clocks, maps' order or local configuration, so every
//     correct replica records the same result for every transaction.
//   - A block is installed from a peer only through pbft.Core.Install,
//     which verifies its commit certificate against the membership.
//   - Bad input from peers or clients is dropped or answered with a 4xx and
//     a JSON error; it never panics the replica.
package node
