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
//	index_log   writer's bbolt tx id || n → bucket, key, value: index writes not yet merged
//
// The five index buckets (txs to records) are written log-structured (see
// index.go): a commit appends its index writes to index_log, whose keys
// only grow, and keeps them in memory as a layer that look-ups read before
// the bucket; every 32 commits or 8192 entries one commit merges all
// layers into the buckets in key order and empties the log. Open reloads
// the log. Readers see exactly their snapshot: layers newer than it, and
// layers already merged in it, are skipped.
//
// Invariants:
//   - Every write goes through Update, one bbolt transaction and one fsync:
//     a Ready's consensus state, its committed blocks and every index write
//     they make (in index_log or merged) are durable together or not at
//     all. After a commit fails, Update refuses until the file is reopened.
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
