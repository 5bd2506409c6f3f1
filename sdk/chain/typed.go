package chain

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// The chain's own types are canonicalised by direct appenders: the same
// bytes as Canonical (marshal, parse, emit sorted), written in one pass
// with the keys in their fixed RFC 8785 order. Every transaction is
// encoded several times on its way (TxID, size and PoW, the three signed
// parts), so this path matters; FuzzTypedCanonical and the vectors check
// it against Canonical byte for byte.

// canon accumulates canonical JSON; the first error sticks.
type canon struct {
	b   []byte
	err error
}

func (c *canon) raw(s string) { c.b = append(c.b, s...) }

// key writes a member name (with the comma before every member but the
// first: first reports whether the object is still empty).
func (c *canon) key(first bool, k string) {
	if !first {
		c.b = append(c.b, ',')
	}
	c.b = append(c.b, '"')
	c.b = append(c.b, k...)
	c.b = append(c.b, '"', ':')
}

func (c *canon) str(s string) { c.b = appendCanonicalString(c.b, s) }

func (c *canon) int(n int64) {
	if n > MaxSafeInteger || n < -MaxSafeInteger {
		c.fail(strconv.FormatInt(n, 10))
		return
	}
	c.b = strconv.AppendInt(c.b, n, 10)
}

func (c *canon) uint(n uint64) {
	if n > MaxSafeInteger {
		c.fail(strconv.FormatUint(n, 10))
		return
	}
	c.b = strconv.AppendUint(c.b, n, 10)
}

func (c *canon) fail(n string) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: integer %s is beyond ±(2^53-1)", ErrCanonical, n)
	}
}

func (c *canon) strings(v []string) {
	c.b = append(c.b, '[')
	for i, s := range v {
		if i > 0 {
			c.b = append(c.b, ',')
		}
		c.str(s)
	}
	c.b = append(c.b, ']')
}

// appendCanonicalString appends s as Canonical writes a Go string:
// encoding/json first replaces each byte of invalid UTF-8 with U+FFFD, and
// RFC 8785 escapes only '"', '\\' and control characters.
func appendCanonicalString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
		switch {
		case c == '"':
			b = append(b, `\"`...)
		case c == '\\':
			b = append(b, `\\`...)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\f':
			b = append(b, `\f`...)
		case c == '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
	}
	return append(b, '"')
}

func (c *canon) tx(tx *Tx) {
	c.raw("{")
	first := true
	if tx.Career != nil {
		c.key(first, "career")
		c.career(tx.Career)
		first = false
	}
	if tx.Config != nil {
		c.key(first, "config")
		c.config(tx.Config)
		first = false
	}
	c.key(first, "pow")
	c.uint(tx.PoW)
	if tx.Revoke != nil {
		c.key(false, "revoke")
		c.revoke(tx.Revoke)
	}
	c.key(false, "type")
	c.str(tx.Type)
	c.raw("}")
}

func (c *canon) career(v *Career) {
	c.raw("{")
	c.key(true, "attestation")
	c.attestation(&v.Attestation)
	c.key(false, "holder_sig")
	c.str(v.HolderSig)
	c.key(false, "receipt")
	c.receipt(&v.Receipt)
	c.key(false, "statement")
	c.statement(&v.Statement)
	c.raw("}")
}

func (c *canon) attestation(a *Attestation) {
	c.raw("{")
	c.key(true, "attester")
	c.str(a.Attester)
	c.key(false, "sig")
	c.str(a.Sig)
	c.key(false, "time")
	c.int(a.Time)
	c.raw("}")
}

func (c *canon) receipt(r *Receipt) {
	c.raw("{")
	c.key(true, "amount")
	c.int(r.Amount)
	c.key(false, "claim")
	c.str(r.Claim)
	c.key(false, "currency")
	c.str(r.Currency)
	c.key(false, "issuer")
	c.str(r.Issuer)
	c.key(false, "payment_id")
	c.str(r.PaymentID)
	c.key(false, "provider")
	c.str(r.Provider)
	c.key(false, "sig")
	c.str(r.Sig)
	c.raw("}")
}

func (c *canon) statement(s *Statement) {
	c.raw("{")
	c.key(true, "chain_id")
	c.str(s.ChainID)
	c.key(false, "claim")
	c.claim(&s.Claim)
	c.key(false, "holder")
	c.str(s.Holder)
	c.key(false, "holder_key")
	c.str(s.HolderKey)
	c.key(false, "nonce")
	c.uint(s.Nonce)
	if s.Supersedes != "" {
		c.key(false, "supersedes")
		c.str(s.Supersedes)
	}
	c.key(false, "type")
	c.str(s.Type)
	c.raw("}")
}

func (c *canon) claim(v *Claim) {
	c.raw("{")
	first := true
	if v.Description != "" {
		c.key(first, "description")
		c.str(v.Description)
		first = false
	}
	if v.End != "" {
		c.key(first, "end")
		c.str(v.End)
		first = false
	}
	if len(v.Evidence) > 0 {
		c.key(first, "evidence")
		c.strings(v.Evidence)
		first = false
	}
	c.key(first, "organisation")
	c.str(v.Organisation)
	c.key(false, "role")
	c.str(v.Role)
	if len(v.Skills) > 0 {
		c.key(false, "skills")
		c.strings(v.Skills)
	}
	c.key(false, "start")
	c.str(v.Start)
	c.raw("}")
}

func (c *canon) revoke(r *Revoke) {
	c.raw("{")
	c.key(true, "by")
	c.str(r.By)
	c.key(false, "chain_id")
	c.str(r.ChainID)
	c.key(false, "nonce")
	c.uint(r.Nonce)
	c.key(false, "reason")
	c.str(r.Reason)
	c.key(false, "sig")
	c.str(r.Sig)
	c.key(false, "target")
	c.str(r.Target)
	c.raw("}")
}

func (c *canon) config(v *Config) {
	c.raw("{")
	c.key(true, "chain_id")
	c.str(v.ChainID)
	if v.Keys != nil {
		c.key(false, "keys")
		c.keyChange(v.Keys)
	}
	if v.Leader != nil {
		c.key(false, "leader")
		c.uint(*v.Leader)
	}
	if len(v.Membership) > 0 {
		c.key(false, "membership")
		c.b = append(c.b, '"')
		c.b = base64.StdEncoding.AppendEncode(c.b, v.Membership)
		c.b = append(c.b, '"')
	}
	c.key(false, "nonce")
	c.uint(v.Nonce)
	if len(v.Plugins) > 0 {
		c.key(false, "plugins")
		c.raw("[")
		for i := range v.Plugins {
			if i > 0 {
				c.raw(",")
			}
			c.plugin(&v.Plugins[i])
		}
		c.raw("]")
	}
	if v.PoWDifficulty != nil {
		c.key(false, "pow_difficulty")
		c.uint(uint64(*v.PoWDifficulty))
	}
	c.key(false, "sig")
	c.str(v.Sig)
	c.key(false, "signer")
	c.str(v.Signer)
	c.raw("}")
}

func (c *canon) keyChange(k *KeyChange) {
	c.raw("{")
	first := true
	if len(k.Add) > 0 {
		c.key(first, "add")
		c.strings(k.Add)
		first = false
	}
	if len(k.Remove) > 0 {
		c.key(first, "remove")
		c.strings(k.Remove)
		first = false
	}
	c.key(first, "set")
	c.str(k.Set)
	c.raw("}")
}

func (c *canon) plugin(p *PluginRef) {
	c.raw("{")
	first := true
	if p.Config != "" {
		c.key(first, "config")
		c.str(p.Config)
		first = false
	}
	c.key(first, "kind")
	c.str(p.Kind)
	c.key(false, "name")
	c.str(p.Name)
	c.key(false, "sha256")
	c.str(p.SHA256)
	c.key(false, "version")
	c.str(p.Version)
	c.raw("}")
}

func (c *canon) attestationBody(a *attestationBody) {
	c.raw("{")
	c.key(true, "attester")
	c.str(a.Attester)
	c.key(false, "receipt")
	c.str(a.Receipt)
	c.key(false, "statement")
	c.str(a.Statement)
	c.key(false, "time")
	c.int(a.Time)
	c.raw("}")
}

// signed returns tag + "\n" + the canonical JSON that write appends.
func signed(tag string, size int, write func(c *canon)) ([]byte, error) {
	c := canon{b: make([]byte, 0, len(tag)+1+size)}
	c.raw(tag)
	c.raw("\n")
	write(&c)
	if c.err != nil {
		return nil, c.err
	}
	return c.b, nil
}

// encodeTx returns the canonical JSON of tx.
func encodeTx(tx *Tx) ([]byte, error) {
	c := canon{b: make([]byte, 0, 2048)}
	c.tx(tx)
	if c.err != nil {
		return nil, c.err
	}
	return c.b, nil
}
