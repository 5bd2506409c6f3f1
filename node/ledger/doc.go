// Package ledger is the durable store of a Careerchain replica, on
// go.etcd.io/bbolt: committed blocks with their certificates, the pBFT
// consensus state a replica must never forget, and the indexes that make
// every read a key look-up or a bounded range scan.
//
// Buckets (all keys big-endian where numeric):
//
//	meta        chain id, genesis hash, schema version, height
//	blocks      height → block, certificate, state digest, commit time, per-tx results
//	consensus   "hardstate" → pbft.HardState
//	entries     seq → pbft.EntryRecord without its pre-prepares' blocks
//	entry_blocks seq || digest → the block of a pre-prepare at seq (stored once)
//	members     height from which it is in force → pbft membership
//	txs         TxID → height, index, result code
//	addrs       address || height || index → TxID (listing is a prefix range scan)
//	statements  statement digest → TxID (replay index)
//	payments    issuer key || payment id → TxID
//	records     TxID → record state (active, superseded by, revoked with reason)
//	state       "chainconfig" → the chain configuration, opaque to this package
//
// Invariants:
//   - Every write goes through Update, one bbolt transaction and one fsync:
//     a Ready's consensus state, its committed blocks and every index they
//     touch are durable together or not at all.
//   - meta/height equals the highest key of blocks; blocks are contiguous
//     from 1.
//   - Open refuses a file that is not a bbolt database, is truncated, lacks
//     the meta bucket, belongs to another chain, or whose height disagrees
//     with its last block (ErrCorrupt); a caller-supplied check can also
//     verify the last block's certificate.
//   - The package decides nothing about transactions: it stores what the
//     executor tells it and answers look-ups. Decoders are bounded and never
//     panic on bad bytes.
package ledger
