// Package pbft is the consensus core of a Careerchain replica: Practical
// Byzantine Fault Tolerance after Castro and Liskov (OSDI '99, TOCS 2002),
// written as a pure, deterministic state machine in the style of
// go.etcd.io/raft.
//
// The core has no goroutines, sockets, clocks or randomness. The
// application drives it with Step (a message from a peer), Tick (one unit of
// logical time), Propose (a client request), and reads what to do from
// Ready: state to persist, messages to send, committed blocks to apply,
// blocks to fetch from peers, blocks to judge (Ready.Validate, with
// Config.ValidateBlocks) and COMMIT bytes it may sign ahead (Ready.Presign).
// It then calls Advance. The application's verdict on a block comes back
// through Validated, whenever the application has it, so judging a block
// (signatures, plugins) never runs inside Step; the core does not vote for
// the block before it. The verdict type, Verdict, is the one every
// judgement in Careerchain ends in (a plugin call, a transaction's checks, a
// block): Accept, Reject (deterministic: every correct replica agrees) or
// Abstain (local trouble: no vote).
//
// The one ordering rule: persist Ready.HardState and Ready.Entries (with
// fsync) before sending Ready.Messages, so a replica never forgets a vote it
// cast and never votes differently after a restart. Ready.Proposals, the
// pre-prepares of blocks the primary just proposed, may go out before that
// persist: a replica restored after a crash (Restore.Clean false) proposes
// nothing in the view it restores, and records so in HardState before
// anything else, so a pre-prepare it sent and lost cannot be contradicted,
// even after later clean restarts.
//
// Invariants kept by the core:
//   - n = len(members), f = (n-1)/3, quorum = (n+f)/2+1 (2f+1 when n = 3f+1);
//     no constant depends on n.
//   - A block is committed when a quorum of matching signed COMMITs exists;
//     those signatures are its Certificate, verifiable offline against the
//     membership with Certificate.Verify. Commits and checkpoints are
//     signed with Config.Signer (ML-DSA-65 in replicas); pre-prepares,
//     prepares, view changes and new views, which matter only while the
//     protocol runs, with Config.VoteSigner when set (Ed25519ctx under the
//     member's NetKey).
//   - Blocks are delivered in sequence order, each exactly once.
//   - A reconfiguration block at sequence s puts its membership in force at
//     s+1 on every correct replica; it is proposed and accepted only when
//     every block before it has executed, and the primary proposes nothing
//     beyond s until s has executed.
//   - Every signed message names the epoch of the membership it was cast
//     in and binds Config.ChainID; it counts only in that epoch. Votes of
//     an old epoch above a reconfiguration are dropped when it executes, so
//     a block is delivered only with a certificate of the epoch in force
//     at its height.
//   - A message carries only the body its type has (checked nested too),
//     so what is stored and forwarded is exactly what was signed. View
//     changes and new views carry digests; bodies are fetched by digest.
//   - Every message a replica forwards (view changes, new views,
//     checkpoints, prepared proofs) is signed and verified before use;
//     decoding is bounded (Decode) and never panics.
package pbft
