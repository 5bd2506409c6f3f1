// Package node turns the pure pBFT core (package pbft) into a running
// Careerchain replica: a bbolt ledger (package node/ledger), a transport
// (package quicnet), deterministic execution of committed transactions, the
// admission checks that run before the replica votes, state transfer
// (package node/statesync), and the client JSON API under /api/v1/, with
// /healthz (alive), /readyz (caught up and a quorum reachable, the reasons
// in the body) and /metrics (client_golang, metrics.go).
//
// # Goroutines and their owners
//
// Node.Run owns every long-lived goroutine; each ends with Run's context and
// Run waits for all of them before it returns:
//   - the loop (Run's own goroutine, node.go): the only one that touches
//     the core and writes the ledger. It drains inbound frames, ticks,
//     takes proposals and checked requests from channels, hands blocks to
//     judge to runValidations and gives the verdicts to the core
//     (pbft.Ready.Validate, Core.Validated), and handles each Ready in the
//     order the core demands. It never waits inside Core.Step.
//   - runValidations (node.go): judges the blocks the core asks about, one
//     at a time, through the check cache (validator.go). Reconfiguration
//     blocks are judged on the loop instead, between Readies, once the
//     chain before them is applied (judgeConfigs).
//   - runAdmissions (api.go): the checks of submissions, a batch at a time.
//   - runChecks (node.go): the checks of requests that peers forward.
//   - runRelay (node.go): broadcasts submissions to the other replicas.
//   - the catch-up poller (statesync.CatchUp.Run).
//   - the API server and the goroutine that shuts it down (httpkit).
//   - a plugin preload after start and after each plugin-set change.
//
// The loop owns, and waits for, the short-lived ones it starts: a state
// transfer (statesync.Fetch; stopped when the loop stops), a ledger
// transaction committing in the background (persistBackground; awaited
// before the next write). The presigner signs a COMMIT on a goroutine per
// offered signature (pbft.Ready.Presign) that ends when it has signed, and
// parallel runs signature checks on up to GOMAXPROCS goroutines that it
// waits for. API handlers only read the ledger (bbolt snapshots) and talk to
// the loop through channels.
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
//   - Every verdict is a pbft.Verdict: Reject is deterministic (every
//     correct replica reaches it), Abstain is local trouble and casts no
//     vote.
//   - Bad input from peers or clients is dropped or answered with a 4xx and
//     a JSON error; it never panics the replica.
package node
