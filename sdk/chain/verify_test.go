package chain

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestCheckStatelessAccepts(t *testing.T) {
	f := newFixture(t)
	leader := uint64(2)
	tests := []struct {
		name string
		tx   *Tx
	}{
		{"register", f.career(t, careerOpts{})},
		{"amend", f.career(t, careerOpts{typ: TypeAmend})},
		{"register without end, description, skills, evidence", f.career(t, careerOpts{statement: func(s *Statement) {
			s.Claim = Claim{Role: "Designer", Organisation: "Studio", Start: "2024-01-01"}
		}})},
		{"zero fee", f.career(t, careerOpts{receipt: func(r *Receipt) { r.Amount = 0 }})},
		{"revoke", f.revoke(t, f.holder, nil)},
		{"config pow difficulty", f.config(t, f.operator, nil)},
		{"config leader", f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Leader = nil, &leader })},
		{"config membership", f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Membership = nil, []byte{1, 2, 3} })},
		{"config plugins", f.config(t, f.operator, func(c *Config) {
			c.PoWDifficulty = nil
			c.Plugins = []PluginRef{{Name: "claims", Version: "1.0.0", Kind: KindValidator, SHA256: hexSum([]byte("wasm"))}}
		})},
		{"config keys: add an attester", f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}})},
		{"config keys: remove a payment issuer", f.keyChange(t, KeyChange{Set: KeySetPaymentIssuers, Remove: []string{f.issuer.KeyHex()}})},
		{"config keys: rotate an attester", f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}, Remove: []string{f.attester.KeyHex()}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.tx.CheckStateless(f.params()); err != nil {
				t.Fatalf("CheckStateless: %v", err)
			}
		})
	}
}

func TestCheckStatelessRejects(t *testing.T) {
	f := newFixture(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	two := uint64(2)
	tests := []struct {
		name   string
		tx     func() *Tx
		params func(*Params)
		want   error
		msg    string // part of the message
	}{
		// Shape.
		{"nil tx", func() *Tx { return nil }, nil, ErrMalformed, "nil"},
		{"unknown type", func() *Tx { return f.career(t, careerOpts{after: func(tx *Tx) { tx.Type = "career.delete" }}) }, nil, ErrMalformed, "unknown type"},
		{"no body", func() *Tx { return &Tx{Type: TypeRegister} }, nil, ErrMalformed, "no career body"},
		{"second body", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Revoke = f.revoke(t, f.holder, nil).Revoke }})
		}, nil, ErrMalformed, "carries a revoke body"},
		{"body of another type", func() *Tx { tx := f.revoke(t, f.holder, nil); tx.Type = TypeConfig; return tx }, nil, ErrMalformed, "carries a revoke body"},
		{"statement type differs", func() *Tx { return f.career(t, careerOpts{after: func(tx *Tx) { tx.Type = TypeAmend }}) }, nil, ErrMalformed, "statement.type"},

		// Chain.
		{"statement on another chain", func() *Tx { return f.career(t, careerOpts{}) }, func(p *Params) { p.ChainID = "other" }, ErrWrongChain, "statement.chain_id"},
		{"revoke on another chain", func() *Tx { return f.revoke(t, f.holder, func(r *Revoke) { r.ChainID = "other" }) }, nil, ErrWrongChain, "revoke.chain_id"},
		{"config on another chain", func() *Tx { return f.config(t, f.operator, func(c *Config) { c.ChainID = "other" }) }, nil, ErrWrongChain, "config.chain_id"},

		// Claim form.
		{"empty role", func() *Tx { return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Role = "" }}) }, nil, ErrMalformed, "claim.role is empty"},
		{"long role", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Role = long(MaxRoleLen + 1) }})
		}, nil, ErrMalformed, "claim.role has"},
		{"empty organisation", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Organisation = "" }})
		}, nil, ErrMalformed, "claim.organisation"},
		{"empty start", func() *Tx { return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Start = "" }}) }, nil, ErrMalformed, "claim.start"},
		{"long end", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.End = "2023-08-31T00" }})
		}, nil, ErrMalformed, "claim.end"},
		{"long description", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Description = long(MaxDescriptionLen + 1) }})
		}, nil, ErrMalformed, "claim.description"},
		{"invalid UTF-8", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Role = "Eng\xffineer" }})
		}, nil, ErrMalformed, "UTF-8"},
		{"too many skills", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Skills = make([]string, MaxSkills+1) }})
		}, nil, ErrMalformed, "claim.skills has"},
		{"empty skill", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Skills = []string{"Go", ""} }})
		}, nil, ErrMalformed, "claim.skills[1]"},
		{"long skill", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Skills = []string{long(MaxSkillLen + 1)} }})
		}, nil, ErrMalformed, "claim.skills[0]"},
		{"too much evidence", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Evidence = make([]string, MaxEvidence+1) }})
		}, nil, ErrMalformed, "claim.evidence has"},
		{"evidence without prefix", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Evidence = []string{hexSum(nil) + "0000000"} }})
		}, nil, ErrMalformed, "claim.evidence[0]"},
		{"evidence upper-case hex", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Claim.Evidence = []string{"sha256:" + strings.ToUpper(hexSum(nil))} }})
		}, nil, ErrMalformed, "claim.evidence[0]"},

		// Statement form.
		{"register with supersedes", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Supersedes = hexSum(nil) }})
		}, nil, ErrMalformed, "supersedes is set"},
		{"amend without supersedes", func() *Tx {
			return f.career(t, careerOpts{typ: TypeAmend, statement: func(s *Statement) { s.Supersedes = "" }})
		}, nil, ErrMalformed, "statement.supersedes is empty"},
		{"amend with short supersedes", func() *Tx {
			return f.career(t, careerOpts{typ: TypeAmend, statement: func(s *Statement) { s.Supersedes = "abcd" }})
		}, nil, ErrMalformed, "statement.supersedes must be"},
		{"nonce beyond 2^53", func() *Tx {
			tx := f.career(t, careerOpts{})
			tx.Career.Statement.Nonce = MaxSafeInteger + 1
			return tx
		}, nil, ErrMalformed, "statement.nonce"},
		{"holder key not hex", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Statement.HolderKey = long(64) }})
		}, nil, ErrMalformed, "statement.holder_key"},
		{"holder address mistyped", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Statement.Holder = mistype(tx.Career.Statement.Holder) }})
		}, nil, ErrAddressChecksum, "statement.holder"},
		{"holder address of another key", func() *Tx {
			return f.career(t, careerOpts{statement: func(s *Statement) { s.Holder = f.stranger.Address() }})
		}, nil, ErrHolderMismatch, "key's address"},
		{"holder sig missing", func() *Tx { return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.HolderSig = "" }}) }, nil, ErrMalformed, "holder_sig is empty"},

		// Receipt form.
		{"receipt without provider", func() *Tx { return f.career(t, careerOpts{receipt: func(r *Receipt) { r.Provider = "" }}) }, nil, ErrMalformed, "receipt.provider"},
		{"receipt without payment id", func() *Tx { return f.career(t, careerOpts{receipt: func(r *Receipt) { r.PaymentID = "" }}) }, nil, ErrMalformed, "receipt.payment_id"},
		{"negative amount", func() *Tx { return f.career(t, careerOpts{receipt: func(r *Receipt) { r.Amount = -1 }}) }, nil, ErrMalformed, "receipt.amount"},
		{"lower-case currency", func() *Tx { return f.career(t, careerOpts{receipt: func(r *Receipt) { r.Currency = "krw" }}) }, nil, ErrMalformed, "receipt.currency"},
		{"receipt claim not hex", func() *Tx { return f.career(t, careerOpts{receipt: func(r *Receipt) { r.Claim = "x" }}) }, nil, ErrMalformed, "receipt.claim"},
		{"receipt sig cut", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Receipt.Sig = tx.Career.Receipt.Sig[2:] }})
		}, nil, ErrMalformed, "receipt.sig"},
		{"receipt by unknown issuer", func() *Tx { return f.career(t, careerOpts{issuer: &f.stranger}) }, nil, ErrUnknownIssuer, f.stranger.KeyHex()},
		{"no payment issuers", func() *Tx { return f.career(t, careerOpts{}) }, func(p *Params) { p.PaymentIssuers = nil }, ErrUnknownIssuer, ""},

		// Attestation form.
		{"no attestation", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Attestation = Attestation{} }})
		}, nil, ErrMissingAttestation, ""},
		{"attestation without sig", func() *Tx { return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Attestation.Sig = "" }}) }, nil, ErrMalformed, "attestation.sig"},
		{"attestation key not hex", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Attestation.Attester = "zz" }})
		}, nil, ErrMalformed, "attestation.attester"},
		{"attestation negative time", func() *Tx { return f.career(t, careerOpts{attTime: -5}) }, nil, ErrMalformed, "attestation.time"},
		{"attester not allowed", func() *Tx { return f.career(t, careerOpts{attester: &f.stranger}) }, nil, ErrUnknownAttester, f.stranger.KeyHex()},

		// Size and PoW.
		{"too large", func() *Tx { return f.career(t, careerOpts{}) }, func(p *Params) { p.MaxTxBytes = 500 }, ErrTooLarge, "limit 500"},
		{"no stamp", func() *Tx { return f.career(t, careerOpts{}) }, func(p *Params) { p.PoWDifficulty = 16 }, ErrPoW, ""},
		{"stamp of another tx", func() *Tx {
			tx := f.career(t, careerOpts{})
			other := f.revoke(t, f.holder, nil)
			if err := Mine(context.Background(), other, 10); err != nil {
				t.Fatal(err)
			}
			tx.PoW = other.PoW
			if StampOK(mustPoWData(t, tx), tx.PoW, 10) {
				t.Skip("the other stamp happens to fit this tx")
			}
			return tx
		}, func(p *Params) { p.PoWDifficulty = 10 }, ErrPoW, ""},

		// Signatures.
		{"holder sig by another key", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) {
				sig, err := SignStatement(f.stranger, Statement{HolderKey: f.stranger.KeyHex()})
				if err != nil {
					t.Fatal(err)
				}
				tx.Career.HolderSig = sig
			}})
		}, nil, ErrBadSignature, "holder_sig"},
		{"claim changed after signing", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Statement.Claim.Role = "CTO" }})
		}, nil, ErrBadSignature, "holder_sig"},
		{"receipt for another statement", func() *Tx {
			return f.career(t, careerOpts{receipt: func(r *Receipt) { r.Claim = hexSum([]byte("other")) }})
		}, nil, ErrReceiptMismatch, "receipt.claim"},
		{"amount changed after signing", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Receipt.Amount = 1 }})
		}, nil, ErrBadSignature, "receipt.sig"},
		{"attestation time changed", func() *Tx {
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Attestation.Time++ }})
		}, nil, ErrBadSignature, "attestation.sig"},
		{"attestation moved to another record", func() *Tx {
			other := f.career(t, careerOpts{statement: func(s *Statement) { s.Nonce = 43 }})
			return f.career(t, careerOpts{after: func(tx *Tx) { tx.Career.Attestation = other.Career.Attestation }})
		}, nil, ErrBadSignature, "attestation.sig"},

		// Revoke.
		{"revoke target not hex", func() *Tx { return f.revoke(t, f.holder, func(r *Revoke) { r.Target = "abc" }) }, nil, ErrMalformed, "revoke.target"},
		{"revoke without reason", func() *Tx { return f.revoke(t, f.holder, func(r *Revoke) { r.Reason = "" }) }, nil, ErrMalformed, "revoke.reason"},
		{"revoke long reason", func() *Tx { return f.revoke(t, f.holder, func(r *Revoke) { r.Reason = long(MaxReasonLen + 1) }) }, nil, ErrMalformed, "revoke.reason"},
		{"revoke nonce beyond 2^53", func() *Tx {
			tx := f.revoke(t, f.holder, nil)
			tx.Revoke.Nonce = 1 << 60
			return tx
		}, nil, ErrMalformed, "revoke.nonce"},
		{"revoke reason changed", func() *Tx {
			tx := f.revoke(t, f.holder, nil)
			tx.Revoke.Reason = "other"
			return tx
		}, nil, ErrBadSignature, "revoke.sig"},
		{"revoke signed by another key", func() *Tx {
			tx := f.revoke(t, f.holder, nil)
			tx.Revoke.By = f.stranger.KeyHex()
			return tx
		}, nil, ErrBadSignature, "revoke.sig"},

		// Config.
		{"config with no part", func() *Tx { return f.config(t, f.operator, func(c *Config) { c.PoWDifficulty = nil }) }, nil, ErrMalformed, "exactly 1"},
		{"config with two parts", func() *Tx { return f.config(t, f.operator, func(c *Config) { c.Leader = &two }) }, nil, ErrMalformed, "exactly 1"},
		{"config by unknown signer", func() *Tx { return f.config(t, f.stranger, nil) }, nil, ErrUnknownSigner, f.stranger.KeyHex()},
		{"config membership too large", func() *Tx {
			return f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Membership = nil, make([]byte, MaxMembershipBytes+1) })
		}, nil, ErrMalformed, "config.membership"},
		{"config too many plugins", func() *Tx {
			return f.config(t, f.operator, func(c *Config) { c.PoWDifficulty, c.Plugins = nil, make([]PluginRef, MaxPlugins+1) })
		}, nil, ErrMalformed, "config.plugins has"},
		{"plugin of unknown kind", func() *Tx {
			return f.config(t, f.operator, func(c *Config) {
				c.PoWDifficulty = nil
				c.Plugins = []PluginRef{{Name: "x", Version: "1", Kind: "miner", SHA256: hexSum(nil)}}
			})
		}, nil, ErrMalformed, "config.plugins[0].kind"},
		{"plugin digest not hex", func() *Tx {
			return f.config(t, f.operator, func(c *Config) {
				c.PoWDifficulty = nil
				c.Plugins = []PluginRef{{Name: "x", Version: "1", Kind: KindScorer, SHA256: "sha256"}}
			})
		}, nil, ErrMalformed, "config.plugins[0].sha256"},
		{"config keys with another part", func() *Tx {
			return f.config(t, f.operator, func(c *Config) { c.Keys = &KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}} })
		}, nil, ErrMalformed, "exactly 1"},
		{"config keys of an unknown set", func() *Tx {
			return f.keyChange(t, KeyChange{Set: "config_signers", Add: []string{f.stranger.KeyHex()}})
		}, nil, ErrMalformed, "config.keys.set"},
		{"config keys changing nothing", func() *Tx { return f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{}}) }, nil, ErrMalformed, "no key"},
		{"config keys: key not hex", func() *Tx {
			return f.keyChange(t, KeyChange{Set: KeySetAttesters, Remove: []string{strings.ToUpper(f.attester.KeyHex())}})
		}, nil, ErrMalformed, "config.keys.remove[0]"},
		{"config keys: key too short", func() *Tx {
			return f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()[:62]}})
		}, nil, ErrMalformed, "config.keys.add[0]"},
		{"config keys: key added twice", func() *Tx {
			return f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex(), f.holder.KeyHex(), f.stranger.KeyHex()}})
		}, nil, ErrMalformed, "config.keys.add[2] repeats the key of config.keys.add[0]"},
		{"config keys: key added and removed", func() *Tx {
			return f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}, Remove: []string{f.stranger.KeyHex()}})
		}, nil, ErrMalformed, "config.keys.remove[0] repeats"},
		{"config keys: too many", func() *Tx {
			keys := make([]string, MaxKeyChangeKeys+1)
			for i := range keys {
				keys[i] = hexSum([]byte{byte(i)})
			}
			return f.keyChange(t, KeyChange{Set: KeySetPaymentIssuers, Add: keys})
		}, nil, ErrMalformed, "config.keys.add has 33 entries"},
		{"config keys by an attester", func() *Tx {
			return f.config(t, f.attester, func(c *Config) {
				c.PoWDifficulty, c.Keys = nil, &KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}}
			})
		}, nil, ErrUnknownSigner, f.attester.KeyHex()},
		{"config keys changed after signing", func() *Tx {
			tx := f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}})
			tx.Config.Keys.Add[0] = f.holder.KeyHex()
			return tx
		}, nil, ErrBadSignature, "config.sig"},
		{"config keys: set changed after signing", func() *Tx {
			tx := f.keyChange(t, KeyChange{Set: KeySetAttesters, Add: []string{f.stranger.KeyHex()}})
			tx.Config.Keys.Set = KeySetPaymentIssuers
			return tx
		}, nil, ErrBadSignature, "config.sig"},
		{"config changed after signing", func() *Tx {
			tx := f.config(t, f.operator, nil)
			d := uint8(20)
			tx.Config.PoWDifficulty = &d
			return tx
		}, nil, ErrBadSignature, "config.sig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.params()
			if tt.params != nil {
				tt.params(&p)
			}
			err := tt.tx().CheckStateless(p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckStateless = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("CheckStateless = %q, want it to mention %q", err, tt.msg)
			}
		})
	}
}

// mistype changes the last hex digit before the checksum.
func mistype(addr string) string {
	i := AddressLen - 2*addressSumBytes - 1
	c := byte('0')
	if addr[i] == '0' {
		c = '1'
	}
	return addr[:i] + string(c) + addr[i+1:]
}

func mustPoWData(t *testing.T, tx *Tx) []byte {
	t.Helper()
	d, err := PoWData(tx)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
