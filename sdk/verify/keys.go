package verify

import (
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/careerchain/careerchain/sdk/chain"
)

// position is a transaction's place in the chain: a config change applies
// to the transactions after it, later in its block and in later blocks.
type position struct {
	height uint64
	index  int
}

func (p position) before(q position) bool {
	return p.height < q.height || p.height == q.height && p.index < q.index
}

func positionOf(inc *Inclusion) position { return position{inc.Block.Height, inc.Index} }

// keyEpoch is a key set and the position from which it is in force.
type keyEpoch struct {
	from position
	set  KeySet
}

// keysAt returns the key set in force at position p: the last entry of the
// history (the trust anchor's, then the proven changes) from p or before.
// The key history step built the history; before it, the trust anchor's.
func (v *verification) keysAt(p position) KeySet {
	hist := v.keys
	if hist == nil {
		hist = trustedKeys(v.g)
	}
	k := hist[0].set
	for _, e := range hist {
		if !p.before(e.from) {
			k = e.set
		}
	}
	return k
}

// trustedKeys returns the trust anchor's key history (validate ran).
func trustedKeys(g *Trust) []keyEpoch {
	out := make([]keyEpoch, len(g.Keys))
	for i, k := range g.Keys {
		out[i] = keyEpoch{from: position{height: k.From}, set: k}
	}
	return out
}

// params returns the stateless-check parameters of the keys in force at
// the transaction of inc. PoW is not checked: the stamp only made spam
// cost CPU, and the difficulty in force is not part of the trust anchor.
func (v *verification) params(inc *Inclusion) chain.Params {
	k := v.keysAt(positionOf(inc))
	return chain.Params{ChainID: v.g.ChainID, MaxTxBytes: MaxTxBytes,
		Attesters: keySet(k.Attesters), PaymentIssuers: keySet(k.PaymentIssuers), ConfigSigners: keySet(k.ConfigSigners)}
}

// keyHistory checks each key change of the bundle, in order: it comes
// after the one before it, a config signer in force signed it, the same
// signed change is not used twice, a block the membership in force
// committed includes it, and it applies to the set in force
// (chain.ApplyKeyChange, as the replicas apply it). It then extends the
// key history from the change's position on.
func (v *verification) keyHistory() (string, error) {
	v.keys = trustedKeys(v.g)
	seen := make(map[[32]byte]int, len(v.changes))
	for i := range v.changes {
		p := &v.changes[i]
		n, at := i+1, positionOf(p.inc)
		last := v.keys[len(v.keys)-1]
		if at.before(last.from) {
			return "", fmt.Errorf("key change %d at height %d index %d does not come after the key set in force from height %d index %d",
				n, at.height, at.index, last.from.height, last.from.index)
		}
		c := p.tx.Config
		if !slices.Contains(last.set.ConfigSigners, c.Signer) {
			return "", fmt.Errorf("key change %d at height %d is signed by %s, which is not a config signer in force", n, at.height, short(c.Signer))
		}
		if err := c.CheckSig(); err != nil {
			return "", fmt.Errorf("key change %d at height %d is not validly signed: %w", n, at.height, err)
		}
		sb, _ := chain.ConfigSigningBytes(*c) // CheckSig encoded it
		digest := sha256.Sum256(sb)
		if prev, dup := seen[digest]; dup {
			return "", fmt.Errorf("key change %d at height %d repeats the signed change %d, which the replicas reject as a replay", n, at.height, prev)
		}
		seen[digest] = n
		if err := p.included(); err != nil {
			return "", fmt.Errorf("key change %d: %w", n, err)
		}
		if _, err := p.hashed(); err != nil {
			return "", fmt.Errorf("key change %d: %w", n, err)
		}
		if _, err := p.committed(v); err != nil {
			return "", fmt.Errorf("key change %d: %w", n, err)
		}
		next := last.set
		var err error
		switch c.Keys.Set {
		case chain.KeySetAttesters:
			next.Attesters, err = chain.ApplyKeyChange(next.Attesters, c.Keys)
		case chain.KeySetCredentialIssuers:
			next.CredentialIssuers, err = chain.ApplyKeyChange(next.CredentialIssuers, c.Keys)
		default: // chain.KeySetPaymentIssuers, as CheckForm checked
			next.PaymentIssuers, err = chain.ApplyKeyChange(next.PaymentIssuers, c.Keys)
		}
		if err != nil {
			return "", fmt.Errorf("key change %d at height %d does not apply to the set in force, so the replicas rejected it: %w", n, at.height, err)
		}
		next.From = at.height
		v.keys = append(v.keys, keyEpoch{from: position{at.height, at.index + 1}, set: next})
	}
	k := v.keysAt(positionOf(v.rec.inc))
	inForce := fmt.Sprintf("%d attester key(s) and %d payment service key(s) are in force at the record's height %d",
		len(k.Attesters), len(k.PaymentIssuers), v.rec.inc.Block.Height)
	switch len(v.changes) {
	case 0:
		return fmt.Sprintf("The bundle claims no key-set change, so the trust anchor's key sets apply: %s.", inForce), nil
	case 1:
		return fmt.Sprintf("The one key-set change is signed by a config signer and committed in a certified block; %s.", inForce), nil
	}
	return fmt.Sprintf("The %d key-set changes are each signed by a config signer in force, committed in a certified block and applied in chain order; %s.",
		len(v.changes), inForce), nil
}

// authority names what registers the keys in force at inc, for a sentence.
func (v *verification) authority(inc *Inclusion) string {
	for _, e := range v.keys[len(v.g.Keys):] {
		if !positionOf(inc).before(e.from) {
			return "the key history"
		}
	}
	if len(v.g.Keys) > 1 {
		return "the trust anchor"
	}
	return "the genesis"
}
