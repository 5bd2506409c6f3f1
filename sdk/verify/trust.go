package verify

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Trust is what a verifier believes without proof: the chain's genesis.
// Everything else in a bundle is checked against it.
type Trust struct {
	ChainID string
	// Membership is the genesis membership (epoch 0), in force from
	// height 1 until the first change a bundle proves.
	Membership *pbft.Membership
	// Keys is the history of the key sets that may attest records, sign
	// receipts and sign config changes, oldest first; Keys[0] is the
	// genesis's and has From 1. TrustFromGenesisJSON fills the genesis
	// entry only. Verify extends the last entry with the key changes a
	// bundle proves (Bundle.KeyChanges), each authorised by the
	// ConfigSigners in force before it, and judges every transaction by
	// the set in force at its position.
	Keys []KeySet
}

// KeySet is the keys (lower-case hex Ed25519) in force from height From.
type KeySet struct {
	From           uint64
	Attesters      []string
	PaymentIssuers []string
	ConfigSigners  []string
	// CredentialIssuers sign the Verifiable Credentials exported from the
	// chain's records (sdk/vc); no step of Verify uses them.
	CredentialIssuers []string
}

// validate checks that t can anchor a verification.
func (t *Trust) validate() error {
	if t.ChainID == "" {
		return fmt.Errorf("the trust anchor names no chain id")
	}
	if err := t.Membership.Validate(); err != nil {
		return fmt.Errorf("the genesis membership is unusable: %w", err)
	}
	if len(t.Keys) == 0 || t.Keys[0].From != 1 {
		return fmt.Errorf("the trust anchor's key sets must start with the genesis's, from height 1")
	}
	for i := 1; i < len(t.Keys); i++ {
		if t.Keys[i].From <= t.Keys[i-1].From {
			return fmt.Errorf("the trust anchor's key sets are not in height order")
		}
	}
	return nil
}

// keySet returns a lookup set of keys.
func keySet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// TrustFromGenesisJSON reads a replica's genesis file (genesis.json) into
// a Trust: the chain id, the genesis membership (epoch 0, members sorted by
// ID, as the replicas build it) and the genesis key sets. Obtain the file
// from a source you trust (the operator, a pinned copy): everything Verify
// proves is relative to it.
func TrustFromGenesisJSON(b []byte) (Trust, error) {
	// Decoded leniently into the genesis package's types (unknown fields
	// ignored, no Validate): a verifier needs only the chain id, the
	// members and the key sets, and checks those itself below.
	var g genesis.Genesis
	if err := json.Unmarshal(b, &g); err != nil {
		return Trust{}, fmt.Errorf("verify: genesis: %w", err)
	}
	if g.ChainID == "" {
		return Trust{}, fmt.Errorf("verify: genesis: no chain_id")
	}
	m := &pbft.Membership{}
	for _, gm := range g.Members {
		sk, err := decodeHex(gm.SignKey, -1)
		if err != nil {
			return Trust{}, fmt.Errorf("verify: genesis: member %d sign_key: %w", gm.ID, err)
		}
		nk, err := decodeHex(gm.NetKey, -1)
		if err != nil {
			return Trust{}, fmt.Errorf("verify: genesis: member %d net_key: %w", gm.ID, err)
		}
		m.Members = append(m.Members, pbft.Member{ID: gm.ID, SignKey: sk, NetKey: nk, Addr: gm.Addr, API: gm.API})
	}
	slices.SortFunc(m.Members, func(a, b pbft.Member) int { return cmp.Compare(a.ID, b.ID) })
	for _, list := range [][]string{g.Config.Attesters, g.Config.PaymentIssuers, g.Config.ConfigSigners, g.Config.CredentialIssuers} {
		for _, k := range list {
			if _, err := decodeHex(k, 32); err != nil {
				return Trust{}, fmt.Errorf("verify: genesis: key %q: %w", k, err)
			}
		}
	}
	t := Trust{ChainID: g.ChainID, Membership: m, Keys: []KeySet{{From: 1,
		Attesters: g.Config.Attesters, PaymentIssuers: g.Config.PaymentIssuers, ConfigSigners: g.Config.ConfigSigners,
		CredentialIssuers: g.Config.CredentialIssuers}}}
	if err := t.validate(); err != nil {
		return Trust{}, fmt.Errorf("verify: genesis: %w", err)
	}
	return t, nil
}
