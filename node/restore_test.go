package node

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
)

// TestMembershipHistoryForRestore checks what a restart hands the core as
// pbft.Restore.History and ConfigSeqs: the memberships before the one in
// force, oldest first, each with the reconfiguration block that ended it
// (the ledger records a membership from that block's height + 1), at most
// maxRestoreHistory of them, and none in force only above the executed
// height.
func TestMembershipHistoryForRestore(t *testing.T) {
	l, err := ledger.Open(filepath.Join(t.TempDir(), "l.db"), ledger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ms := make([]*pbft.Membership, 7)
	for e := range ms {
		ms[e] = &pbft.Membership{Epoch: uint64(e), Members: []pbft.Member{{ID: uint64(e + 1), SignKey: []byte{1}, NetKey: make([]byte, 32)}}}
	}
	if err := l.Init(ledger.Meta{ChainID: "c"}, ms[0], nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Update(func(t *ledger.Tx) error {
		for e := 1; e < len(ms); e++ { // epoch e in force from 10e+1: block 10e reconfigured
			if err := t.PutMembership(uint64(10*e+1), ms[e]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		executed uint64
		epochs   []uint64
		seqs     []uint64
	}{
		{5, nil, nil},
		{10, []uint64{0}, []uint64{10}}, // block 10 executed: epoch 1 in force after it
		{15, []uint64{0}, []uint64{10}},
		{25, []uint64{0, 1}, []uint64{10, 20}},
		{65, []uint64{2, 3, 4, 5}, []uint64{30, 40, 50, 60}},
	} {
		var hist []*pbft.Membership
		var seqs []uint64
		if err := l.View(func(t *ledger.Tx) (err error) {
			hist, seqs, err = membershipHistory(t, tc.executed)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var epochs []uint64
		for _, m := range hist {
			epochs = append(epochs, m.Epoch)
		}
		if !slices.Equal(epochs, tc.epochs) || !slices.Equal(seqs, tc.seqs) {
			t.Errorf("executed %d: history epochs %v seqs %v, want %v %v", tc.executed, epochs, seqs, tc.epochs, tc.seqs)
		}
	}
}
