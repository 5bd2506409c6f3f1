package node

import (
	"crypto/sha256"
	"sync"

	"github.com/careerchain/careerchain/pbft"
)

// presigner lets the node sign a replica's COMMIT ahead of the core. An
// ML-DSA-65 signature takes about 0.4 ms, and the core signs its COMMIT the
// moment a block prepares, on the path of every commit. But the COMMIT's
// content (chain, epoch, view, sequence number, digest) is known as soon as the replica
// accepts the pre-prepare, so the loop starts signing it then, on another
// goroutine, while the pre-prepare's fsync and the prepare round run; the
// core's Sign finds the signature ready. Signing is deterministic, so the
// signature is the one the core would have made; a message that was never
// presigned is signed on the spot.
type presigner struct {
	inner pbft.Signer

	mu           sync.Mutex
	pending      map[[32]byte]*presig
	hits, misses uint64 // Sign calls that found a presigned signature, and the others
}

type presig struct {
	done chan struct{}
	sig  []byte
}

// maxPresigns bounds signatures made ahead and not yet used (a view change
// can leave some unused); past it the table starts afresh.
const maxPresigns = 64

func newPresigner(inner pbft.Signer) *presigner {
	return &presigner{inner: inner, pending: make(map[[32]byte]*presig)}
}

// Presign starts signing msg in the background.
func (p *presigner) Presign(msg []byte) {
	k := sha256.Sum256(msg)
	p.mu.Lock()
	if _, ok := p.pending[k]; ok {
		p.mu.Unlock()
		return
	}
	if len(p.pending) >= maxPresigns {
		clear(p.pending)
	}
	ps := &presig{done: make(chan struct{})}
	p.pending[k] = ps
	p.mu.Unlock()
	go func() {
		ps.sig = p.inner.Sign(msg)
		close(ps.done)
	}()
}

// Sign implements pbft.Signer: the presigned signature if there is one.
func (p *presigner) Sign(msg []byte) []byte {
	k := sha256.Sum256(msg)
	p.mu.Lock()
	ps, ok := p.pending[k]
	delete(p.pending, k)
	if ok {
		p.hits++
	} else {
		p.misses++
	}
	p.mu.Unlock()
	if !ok {
		return p.inner.Sign(msg)
	}
	<-ps.done
	return ps.sig
}

// stats returns how many Sign calls found a presigned signature and how
// many signed on the spot.
func (p *presigner) stats() (hits, misses uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits, p.misses
}

// presignCommits starts signing this replica's COMMITs that the core
// offers to presign (pbft.Ready.Presign: the pre-prepares a Ready logs that
// it has not committed to yet). What a COMMIT is signed over is the core's
// to say: the node never rebuilds it.
func (n *Node) presignCommits(rd *pbft.Ready) {
	for _, b := range rd.Presign {
		n.signer.Presign(b)
	}
}
