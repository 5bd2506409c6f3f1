package verify

import (
	"fmt"

	"github.com/careerchain/careerchain/pbft"
)

// BlockDigest recomputes pbft.Block.Digest(height) from a block's header
// fields, its number of transactions and its transaction root, without the
// transactions (pbft.HeaderDigest, the function Block.Digest itself uses).
func BlockDigest(height, view, proposer uint64, time int64, config *pbft.Membership, txCount int, txRoot pbft.Hash) pbft.Hash {
	return pbft.HeaderDigest(height, view, proposer, time, config, txCount, txRoot)
}

// Digest returns the digest of the block the header describes
// (pbft.Block.Digest at its height). It fails if the root or the
// membership is malformed.
func (h *Header) Digest() (pbft.Hash, error) {
	root, err := decodeHash(h.TxRoot)
	if err != nil {
		return pbft.Hash{}, fmt.Errorf("block %d tx_root: %w", h.Height, err)
	}
	var cfg *pbft.Membership
	if h.Config != nil {
		if cfg, err = h.Config.pbftMembership(); err != nil {
			return pbft.Hash{}, fmt.Errorf("block %d config: %w", h.Height, err)
		}
	}
	return BlockDigest(h.Height, h.View, h.Proposer, h.Time, cfg, h.TxCount, root), nil
}
