// Package chain is Careerchain's transaction library: the transaction types,
// their canonical bytes, wallets and addresses, signing, the stateless checks
// a replica runs on every transaction, the hashcash stamp, the transaction
// encoding and id, and the Merkle tree of a block. Replicas, the portal, the
// CLI and Wasm guest plugins (GOOS=wasip1) all use it, so it imports only
// the standard library and keeps no state: every function is pure apart
// from the randomness a caller passes in. A caller that wants to remember
// the signatures the checks verified passes its own verifier
// (Tx.CheckStatelessWith; a replica's plugin host keeps such notes,
// wasm.SigNotes).
//
// # Canonical bytes
//
// Everything signed or hashed is canonical JSON (RFC 8785, see Canonical)
// restricted to integers within ±(2^53−1), so a browser and any other SDK
// reproduce the bytes from the fields alone. Signing bytes are a domain tag,
// a line feed and the canonical JSON (Tag* constants), so a signature for
// one purpose never verifies for another. testdata/vectors.json holds test
// vectors every implementation checks; testdata/README.md documents them.
//
// # Invariants
//
//   - A transaction has exactly one encoding: EncodeTx is canonical and
//     DecodeTx accepts nothing else, so TxID = SHA-256(EncodeTx(tx)) is
//     unambiguous.
//   - Keys, signatures and digests are lower-case hex; addresses are
//     "cc1" + 40 hex digits + an 8-digit checksum (see ParseAddress).
//   - A transaction that passes CheckStateless is bounded in size, its
//     signatures verify, its keys are ones the chain allows and its stamp
//     meets the difficulty. What needs ledger state (nonce replay, revoke
//     authority, payment id reuse, whether a key change applies to the key
//     set in force) and what a claim means (the validator
//     plugin) are checked elsewhere.
//   - Errors wrap one of the package's Err* sentinels.
package chain
