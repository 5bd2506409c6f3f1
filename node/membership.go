package node

import (
	"net/http"

	"github.com/careerchain/careerchain/internal/httpkit"
	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

func (n *Node) getMembership(w http.ResponseWriter, r *http.Request) error {
	v := client.MembershipHistory{ChainID: n.chainID}
	err := n.readLedger(func(t *ledger.Tx) error {
		v.Height = t.Height()
		recs, err := t.Memberships()
		if err != nil {
			return err
		}
		for _, rec := range recs {
			v.History = append(v.History, client.MembershipEntry{From: rec.From, Epoch: rec.Membership.Epoch, Members: verify.MembershipOf(rec.Membership).Members})
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpkit.WriteJSON(w, http.StatusOK, v)
	return nil
}
