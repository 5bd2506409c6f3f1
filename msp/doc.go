// Package msp is Careerchain's Membership Service Provider: the authority
// that admits nodes into the replica set, removes members that stop
// answering, promotes standbys, answers status requests with the address
// book, and submits the operator's leader swaps.
//
// The MSP never sits on the consensus path. Every change it makes is a
// config.change transaction signed by its key (a config signer named by the
// genesis) that the replicas order and execute like any other; the
// membership in force is the one committed on chain, and pBFT's
// reconfiguration barrier makes the primary hold new sequence numbers until
// the reconfiguration block has executed. Consensus goes on while the MSP
// is down.
//
// Invariants:
//   - The MSP's view of the membership is recovered from the chain and
//     verified: every reconfiguration block's commit certificate is checked
//     against the membership before it, starting from the genesis, so a
//     lying replica cannot make the MSP believe in a membership that was
//     never committed.
//   - At most one membership change is in flight. Its transaction is
//     written to the MSP's bbolt store before it is submitted and is
//     resubmitted, byte for byte, until the chain's epoch reaches it, so a
//     restart never produces two competing changes for one epoch.
//   - Node IDs are never reused; a join is accepted once (its digest is
//     kept), a key already in use is refused, and automatic removal never
//     takes the membership below MinMembers nor removes more than f members
//     without an operator's confirmation.
//   - Admin calls carry an Ed25519 signature by an operator key over the
//     method, path, timestamp and body; a stale or replayed signature is
//     refused.
package msp
