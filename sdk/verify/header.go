package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/careerchain/careerchain/pbft"
)

// BlockDigest recomputes pbft.Block.Digest(height) from a block's header
// fields and its transaction root, without the transactions: the same
// domain, header, reconfiguration membership digest and root, in the same
// order. TestBlockDigestMatchesPBFT checks it against pbft for real blocks;
// if pbft's block format changes, that test fails first.
func BlockDigest(height, view, proposer uint64, time int64, config *pbft.Membership, txRoot pbft.Hash) pbft.Hash {
	h := sha256.New()
	var hdr [8 * 4]byte
	binary.BigEndian.PutUint64(hdr[0:], height)
	binary.BigEndian.PutUint64(hdr[8:], view)
	binary.BigEndian.PutUint64(hdr[16:], proposer)
	binary.BigEndian.PutUint64(hdr[24:], uint64(time))
	h.Write([]byte("careerchain/block/v1\n"))
	h.Write(hdr[:])
	if config != nil {
		d := config.Digest()
		h.Write([]byte{1})
		h.Write(d[:])
	} else {
		h.Write([]byte{0})
	}
	h.Write(txRoot[:])
	var d pbft.Hash
	h.Sum(d[:0])
	return d
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
	return BlockDigest(h.Height, h.View, h.Proposer, h.Time, cfg, root), nil
}
