package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// The Merkle tree of a block is the RFC 6962 (RFC 9162 §2.1) Merkle Tree
// Hash over the block's raw 32-byte TxIDs in block order:
//
//	leaf hash  = SHA-256(0x00 || leaf)
//	node hash  = SHA-256(0x01 || left || right)
//	empty tree = SHA-256("")
//
// A tree of n leaves splits into a left subtree of the largest power of two
// below n and a right subtree of the rest. Built bottom-up this means: pair
// neighbours level by level, and an odd node at the end of a level moves up
// unchanged; it is never paired with a copy of itself, so two different
// leaf lists never share a root (the duplicated-last-node flaw).

// ProofStep is one sibling hash on the path from a leaf to the root. Left
// says the sibling is the left operand of the node hash.
// Its JSON form is {"hash":"<64 hex>","left":bool}.
type ProofStep struct {
	Left bool
	Hash [32]byte
}

func leafHash(leaf []byte) [32]byte {
	buf := make([]byte, 0, 1+len(leaf))
	buf = append(buf, 0x00)
	buf = append(buf, leaf...)
	return sha256.Sum256(buf)
}

func nodeHash(l, r [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = 0x01
	copy(buf[1:33], l[:])
	copy(buf[33:], r[:])
	return sha256.Sum256(buf[:])
}

// nextLevel hashes neighbours pairwise; an odd last node moves up unchanged.
func nextLevel(level [][32]byte) [][32]byte {
	next := make([][32]byte, 0, (len(level)+1)/2)
	for i := 0; i+1 < len(level); i += 2 {
		next = append(next, nodeHash(level[i], level[i+1]))
	}
	if len(level)%2 == 1 {
		next = append(next, level[len(level)-1])
	}
	return next
}

func leafLevel(leaves [][]byte) [][32]byte {
	level := make([][32]byte, len(leaves))
	for i, l := range leaves {
		level[i] = leafHash(l)
	}
	return level
}

// MerkleRoot returns the root of the tree over leaves.
func MerkleRoot(leaves [][]byte) [32]byte {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	level := leafLevel(leaves)
	for len(level) > 1 {
		level = nextLevel(level)
	}
	return level[0]
}

// MerkleProof returns the audit path of leaf i, from the leaf up, or nil if
// i is out of range. A tree of one leaf has an empty path.
func MerkleProof(leaves [][]byte, i int) []ProofStep {
	if i < 0 || i >= len(leaves) {
		return nil
	}
	proof := []ProofStep{}
	level := leafLevel(leaves)
	for len(level) > 1 {
		switch {
		case i%2 == 1:
			proof = append(proof, ProofStep{Left: true, Hash: level[i-1]})
		case i+1 < len(level):
			proof = append(proof, ProofStep{Left: false, Hash: level[i+1]})
		}
		level = nextLevel(level)
		i /= 2
	}
	return proof
}

// VerifyMerkleProof reports whether proof shows that leaf is at index in a
// tree of n leaves with the given root. The path's shape follows from index
// and n alone; a proof whose length or Left flags disagree is rejected.
func VerifyMerkleProof(leaf []byte, root [32]byte, index, n int, proof []ProofStep) bool {
	if n <= 0 || index < 0 || index >= n {
		return false
	}
	h := leafHash(leaf)
	steps := 0
	for size := n; size > 1; size = (size + 1) / 2 {
		switch {
		case index%2 == 1:
			if steps >= len(proof) || !proof[steps].Left {
				return false
			}
			h = nodeHash(proof[steps].Hash, h)
			steps++
		case index+1 < size:
			if steps >= len(proof) || proof[steps].Left {
				return false
			}
			h = nodeHash(h, proof[steps].Hash)
			steps++
		}
		index /= 2
	}
	return steps == len(proof) && h == root
}

// proofStepJSON is the JSON form of a ProofStep: {"hash":"<64 hex>","left":bool}.
type proofStepJSON struct {
	Hash string `json:"hash"`
	Left bool   `json:"left"`
}

// MarshalJSON writes the step as {"hash":"<64 lower-case hex>","left":bool}.
func (p ProofStep) MarshalJSON() ([]byte, error) {
	return json.Marshal(proofStepJSON{Hash: hex.EncodeToString(p.Hash[:]), Left: p.Left})
}

// UnmarshalJSON reads the form MarshalJSON writes; the hash must be 64
// lower-case hex digits.
func (p *ProofStep) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j proofStepJSON
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: proof step: %w", ErrMalformed, err)
	}
	if err := checkHex("proof step hash", j.Hash, 32); err != nil {
		return err
	}
	hex.Decode(p.Hash[:], []byte(j.Hash))
	p.Left = j.Left
	return nil
}
