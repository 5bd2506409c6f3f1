package ledger

import (
	"encoding/binary"
	"fmt"

	"github.com/careerchain/careerchain/pbft"
)

// MembershipRecord is one membership of the chain's history: the membership
// in force from height From on (genesis: From = 1).
type MembershipRecord struct {
	From       uint64
	Membership *pbft.Membership
}

// Memberships returns every membership the chain has had, oldest first.
// There is one per reconfiguration plus the genesis one, so the list is
// short.
func (t *Tx) Memberships() ([]MembershipRecord, error) {
	var out []MembershipRecord
	err := t.tx.Bucket(bMembers).ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return t.fail(fmt.Errorf("%w: membership key of %d bytes", ErrCorrupt, len(k)))
		}
		v, err := unseal(bMembers, k, v)
		if err != nil {
			return t.fail(err)
		}
		m, err := pbft.DecodeMembership(v)
		if err != nil {
			return t.fail(fmt.Errorf("%w: membership from %d: %w", ErrCorrupt, binary.BigEndian.Uint64(k), err))
		}
		out = append(out, MembershipRecord{From: binary.BigEndian.Uint64(k), Membership: m})
		return nil
	})
	return out, err
}
