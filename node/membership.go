package node

import (
	"encoding/hex"
	"net/http"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
)

// MembershipHistory is the answer to GET /api/v1/membership: every
// membership the chain has had, oldest first, with full keys. Each entry
// after the first was put in force by the reconfiguration block at height
// From-1, whose commit certificate (GET /api/v1/blocks/{From-1}?raw=1)
// proves it against the entry before; the MSP checks that chain of proofs.
type MembershipHistory struct {
	ChainID string            `json:"chain_id"`
	Height  uint64            `json:"height"`
	History []MembershipEntry `json:"history"`
}

// MembershipEntry is one membership and the height from which it is in force.
type MembershipEntry struct {
	From    uint64       `json:"from"`
	Epoch   uint64       `json:"epoch"`
	Members []MemberInfo `json:"members"`
}

// MemberInfo is one member with its public keys (hex).
type MemberInfo struct {
	ID      uint64 `json:"id"`
	SignKey string `json:"sign_key"`
	NetKey  string `json:"net_key"`
	Addr    string `json:"addr"`
	API     string `json:"api"`
}

// MembershipInfo converts a pbft membership to its API form.
func MembershipInfo(m *pbft.Membership) []MemberInfo {
	out := make([]MemberInfo, 0, len(m.Members))
	for _, mb := range m.Members {
		out = append(out, MemberInfo{ID: mb.ID, SignKey: hex.EncodeToString(mb.SignKey), NetKey: hex.EncodeToString(mb.NetKey), Addr: mb.Addr, API: mb.API})
	}
	return out
}

func (n *Node) getMembership(w http.ResponseWriter, r *http.Request) error {
	v := MembershipHistory{ChainID: n.chainID}
	err := n.readLedger(func(t *ledger.Tx) error {
		v.Height = t.Height()
		recs, err := t.Memberships()
		if err != nil {
			return err
		}
		for _, rec := range recs {
			v.History = append(v.History, MembershipEntry{From: rec.From, Epoch: rec.Membership.Epoch, Members: MembershipInfo(rec.Membership)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, v)
	return nil
}
