// Package verify is Careerchain's light client: it verifies one career
// record offline, trusting nothing but the chain's genesis (a Trust, read
// with TrustFromGenesisJSON), from a proof bundle a replica or anyone else
// serves (a Bundle, JSON with "version": 1). It imports neither the replica
// nor the MSP, and nothing that needs a file system, a network or cgo, so
// it builds for GOOS=js and GOOS=wasip1 and the portal runs it in the
// visitor's browser.
//
// # What Verify proves
//
// Verify runs these steps in order and stops at the first that fails
// (Report.Failed names it):
//
//   - format: the bundle is version 1 and for the trusted chain id; the
//     transaction is a career.register or career.amend in canonical form,
//     its TxID is the SHA-256 of its bytes, and its fields are well-formed
//     (chain.Tx.CheckForm), and so are the key changes it carries.
//   - membership history: each membership change since genesis is a
//     reconfiguration block whose commit certificate verifies under the
//     membership before it, with a later epoch.
//   - key history: each key-set change the bundle carries (a config.change
//     with chain.Config.Keys, Bundle.KeyChanges) comes after the one before
//     it, is signed by a config signer in force, is not the same signed
//     change twice, is included in a block a quorum of the membership in
//     force committed, and applies to the set in force
//     (chain.ApplyKeyChange, the replicas' own rule). From the change's
//     position on (the transactions after it in its block, and later
//     blocks) the changed set is in force.
//   - holder signature: the holder's key signed the claim and the holder
//     address is that key's.
//   - payment receipt: a payment service registered at the record's
//     position, by the trust anchor and the key history, signed a receipt
//     for exactly this claim.
//   - attestation: an admin key allowed at the record's position signed
//     the claim and the receipt. A record attested before its attester was
//     removed still verifies; one attested after fails here. These three
//     are sdk/chain's own checks, the ones every replica runs before it
//     votes.
//   - Merkle inclusion: the Merkle path leads from the TxID, at the stated
//     index of the stated number of transactions, to the block's root.
//   - block hash: the header's fields and root hash (BlockDigest, equal to
//     pbft.Block.Digest) to the hash the commit certificate names.
//   - commit certificate: a quorum of the membership in force at the
//     block's height, by that history, signed the block's COMMIT for this
//     chain id and that membership's epoch (pbft.Certificate.Verify).
//   - status: for an amended or revoked record, the amending or revoking
//     transaction is validly signed (by the record's holder; a revocation
//     by its holder or by its attester while that key is in force), names
//     this record, comes after it and passes the same inclusion, hash and
//     certificate checks.
//
// # What no bundle can prove
//
//   - That a record is still active. A bundle can prove that an
//     amendment or revocation exists, not that none does: "active" is the
//     server's word as of Status.AsOf, and nothing after that height is
//     covered. Ask several replicas, or a fresh bundle, for a newer answer.
//   - Execution results. A commit certificate covers a block's
//     transactions, not the replicas' verdict on each. Verify proves that
//     a validly signed record was committed; the replicas reject a few
//     such transactions for reasons only the ledger's state shows (a
//     replayed statement, a reused payment id, an amended record amended
//     again), and a bundle cannot show those verdicts.
//   - The exact index beyond the stated count. The block digest covers the
//     transaction root, not the number of transactions, so the path proves
//     that the transaction is in the block and at the index relative to
//     the count the bundle states.
//   - Anything against a forged history by a former membership. The
//     history is checked link by link from the genesis, and a change left
//     out makes later certificates fail their epoch check, but a quorum of
//     a former membership that kept its keys could sign a different
//     continuation from its own epoch on (the long-range problem every
//     light client has).
//   - That no key-set change was left out. Key changes, unlike membership
//     changes, leave no trace in later certificates, so a server that
//     omits a removal makes Verify judge later records by the larger set.
//     This matters only for a record the replicas themselves refused: they
//     check attesters and issuers against the set in force at admission,
//     before voting and at execution, so such a record reaches a certified
//     block only when validation raced the change, and then executes as
//     rejected (see "Execution results").
//   - PoW stamps are not checked: they only made spam cost CPU, and the
//     difficulty in force at a height is not in the trust anchor.
//
// Attesters and payment issuers are judged by the key set in force at the
// transaction's position: Trust.Keys, extended by the key changes the
// bundle proves.
package verify
