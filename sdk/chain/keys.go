package chain

import (
	"crypto/ed25519"
	"fmt"
	"slices"
)

// Key sets a KeyChange can change. The config signers are not among them:
// they are the genesis's, so a key change is always authorised by keys
// fixed at the chain's start.
const (
	KeySetAttesters      = "attesters"       // keys allowed to attest career records
	KeySetPaymentIssuers = "payment_issuers" // keys of payment services that sign receipts
	// KeySetCredentialIssuers are the keys that sign Verifiable Credentials
	// exported from the chain's records (sdk/vc). No transaction is
	// checked against them: they tie a credential to the chain.
	KeySetCredentialIssuers = "credential_issuers"
)

// MaxKeyChangeKeys bounds each of KeyChange.Add and KeyChange.Remove.
const MaxKeyChangeKeys = 32

// KeyChange is the key-set part of a config.change: it allows the keys in
// Add and retires the keys in Remove, in one step, for the transactions
// after it (later in its block, and later blocks). A rotation is one
// change with both. Keys are lower-case hex Ed25519 public keys; a key
// appears at most once in the change. Records attested before a removal
// stay valid: nothing re-checks them.
type KeyChange struct {
	Set    string   `json:"set"`              // KeySetAttesters, KeySetPaymentIssuers or KeySetCredentialIssuers
	Add    []string `json:"add,omitempty"`    // keys to allow; none may be in the set already
	Remove []string `json:"remove,omitempty"` // keys to retire; each must be in the set
}

// checkKeyChangeForm checks what needs no state: a known set, at least one
// key, every key well-formed, none twice.
func checkKeyChangeForm(k *KeyChange) error {
	switch k.Set {
	case KeySetAttesters, KeySetPaymentIssuers, KeySetCredentialIssuers:
	default:
		return fmt.Errorf("%w: config.keys.set %q is not %s, %s or %s", ErrMalformed, clip(k.Set), KeySetAttesters, KeySetPaymentIssuers, KeySetCredentialIssuers)
	}
	if len(k.Add) == 0 && len(k.Remove) == 0 {
		return fmt.Errorf("%w: config.keys adds and removes no key", ErrMalformed)
	}
	seen := make(map[string]string, len(k.Add)+len(k.Remove))
	for _, list := range []struct {
		name string
		keys []string
	}{{"add", k.Add}, {"remove", k.Remove}} {
		if len(list.keys) > MaxKeyChangeKeys {
			return fmt.Errorf("%w: config.keys.%s has %d entries, limit %d", ErrMalformed, list.name, len(list.keys), MaxKeyChangeKeys)
		}
		for i, key := range list.keys {
			field := fmt.Sprintf("config.keys.%s[%d]", list.name, i)
			if err := checkHex(field, key, ed25519.PublicKeySize); err != nil {
				return err
			}
			if prev, dup := seen[key]; dup {
				return fmt.Errorf("%w: %s repeats the key of %s", ErrMalformed, field, prev)
			}
			seen[key] = field
		}
	}
	return nil
}

// ApplyKeyChange returns the key set keys after the change k: the keys of
// k.Remove taken out (the others keep their order) and those of k.Add
// appended in their order. It wraps ErrKeyChange if a key to remove is not
// in keys or a key to add already is, so that a change means exactly what
// it says; keys itself is not modified. The replicas and the light client
// (sdk/verify) both apply changes with it.
func ApplyKeyChange(keys []string, k *KeyChange) ([]string, error) {
	for _, key := range k.Remove {
		if !slices.Contains(keys, key) {
			return nil, fmt.Errorf("%w: %s %s is not in the set", ErrKeyChange, k.Set, key)
		}
	}
	for _, key := range k.Add {
		if slices.Contains(keys, key) {
			return nil, fmt.Errorf("%w: %s %s is already in the set", ErrKeyChange, k.Set, key)
		}
	}
	out := make([]string, 0, len(keys)+len(k.Add))
	for _, key := range keys {
		if !slices.Contains(k.Remove, key) {
			out = append(out, key)
		}
	}
	return append(out, k.Add...), nil
}
