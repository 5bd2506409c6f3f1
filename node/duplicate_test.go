package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
)

// countIncluded returns how many blocks of replica i include transaction
// id, and where.
func countIncluded(t *testing.T, nd *Node, id [32]byte) (n int, heights []uint64) {
	t.Helper()
	err := nd.led.View(func(tx *ledger.Tx) error {
		for h := uint64(1); h <= tx.Height(); h++ {
			br, err := tx.Block(h)
			if err != nil {
				return err
			}
			for _, raw := range br.Block.Txs {
				if sha256.Sum256(raw) == id {
					n++
					heights = append(heights, h)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, heights
}

// A committed transaction that reaches a replica's loop again — a resend
// that passed the API's precheck before its first copy executed, or a
// copy forwarded by a peer — is never included in a second block, on
// any replica, also after the primary restarted.
func TestCommittedTxNeverIncludedTwice(t *testing.T) {
	c := newCluster(t, 4, false, nil)
	holder := wallet(t, "holder")
	tx := c.careerTx(t, holder, 1)
	raw := encode(t, tx)
	id := sha256.Sum256(raw)
	c.submit(t, 0, tx)

	resend := func(when string) {
		for i := range 4 {
			nd := c.node(i)
			// Straight to the loop, as a resend that was prechecked
			// while its first copy was still in flight.
			err := nd.submit(context.Background(), proposal{raw: raw, id: id})
			for deadline := time.Now().Add(30 * time.Second); errors.Is(err, ErrNotReady) && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond) // a replica whose Run has not begun yet
				err = nd.submit(context.Background(), proposal{raw: raw, id: id})
			}
			if !errors.Is(err, ErrReplay) {
				t.Errorf("%s: replica %d took a committed transaction again: %v", when, i+1, err)
			}
			// And as a peer's forward.
			nd.checkC <- pbft.Message{Type: pbft.MsgRequest, From: uint64((i+1)%4 + 1), Requests: [][]byte{raw}}
		}
	}
	resend("after the commit")
	c.submit(t, 1, c.careerTx(t, holder, 2)) // a block after the resends
	c.stop(0)                                // the primary of view 0
	c.start(0)
	resend("after the primary restarted")
	c.submit(t, 0, c.careerTx(t, holder, 3))
	c.submit(t, 2, c.careerTx(t, holder, 4))
	h := c.node(2).Status().Height
	c.waitHeight(t, h)
	time.Sleep(100 * time.Millisecond) // let anything still queued be proposed
	c.submit(t, 3, c.careerTx(t, holder, 5))
	for i := range 4 {
		if n, hs := countIncluded(t, c.node(i), id); n != 1 {
			t.Errorf("replica %d: the transaction is in %d blocks (heights %v), want 1", i+1, n, hs)
		}
	}
}
