package node

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// countingSigner is a deterministic Signer that counts its signatures.
type countingSigner struct{ n atomic.Int64 }

func (s *countingSigner) Sign(msg []byte) []byte {
	s.n.Add(1)
	h := sha256.Sum256(append([]byte("sig:"), msg...))
	return h[:]
}

func TestPresignerSignsOnce(t *testing.T) {
	inner := &countingSigner{}
	p := newPresigner(inner)
	msgs := [][]byte{[]byte("commit 1"), []byte("commit 2"), []byte("commit 3")}
	for _, m := range msgs[:2] {
		p.Presign(m)
		p.Presign(m) // a second Presign of the same message is a no-op
	}
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() {
			if got, want := p.Sign(m), (&countingSigner{}).Sign(m); !bytes.Equal(got, want) {
				t.Errorf("%q: signature differs from the inner signer's", m)
			}
		})
	}
	wg.Wait()
	if n := inner.n.Load(); n != 3 {
		t.Fatalf("%d signatures made for 3 messages", n)
	}
	// Used signatures are forgotten: signing again signs again.
	p.Sign(msgs[0])
	if n := inner.n.Load(); n != 4 {
		t.Fatalf("%d signatures, want 4", n)
	}
	// The table is bounded.
	for i := range 3 * maxPresigns {
		p.Presign([]byte{byte(i), byte(i >> 8)})
	}
	p.mu.Lock()
	size := len(p.pending)
	p.mu.Unlock()
	if size > maxPresigns {
		t.Fatalf("%d presigned signatures kept, limit %d", size, maxPresigns)
	}
}

// TestPresignedCommitMatchesCore checks that the bytes the node presigns
// for a COMMIT are the ones the core signs: if they differed, every Sign
// would miss. A replica presigns only when a Ready holds the pre-prepare
// before its prepares; one that takes both in one drain (a loaded
// machine) signs on the spot, as designed. So the test commits blocks
// one at a time until some replica's Sign finds its presigned signature.
func TestPresignedCommitMatchesCore(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	var hits, misses uint64
	for k := range 40 {
		c.submit(t, k%4, c.careerTx(t, wallet(t, fmt.Sprint("presign ", k)), uint64(k)))
		hits, misses = 0, 0
		for i := range 4 {
			h, m := c.node(i).signer.stats()
			hits, misses = hits+h, misses+m
		}
		if hits > 0 {
			return
		}
	}
	t.Fatalf("no COMMIT signature was presigned in 40 blocks (hits %d, misses %d)", hits, misses)
}
