package plugin

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrMalformedInput is returned by [DecodeInput] for a document that is not
// an ABI v1 input.
var ErrMalformedInput = errors.New("plugin: malformed input document")

// Field tags of the ABI v1 input document. A document is a sequence of
// fields, each a tag byte, a little-endian uint32 length and that many
// bytes. Integers are 8 bytes little-endian (two's complement for signed
// ones), strings their UTF-8 bytes, flags empty. TagABI comes first; Skill
// and Evidence repeat once per item, in order; a decoder skips tags it does
// not know, so a host may add fields without breaking plugins.
const (
	TagABI     byte = 0x01 // uint64, ABIVersion
	TagKind    byte = 0x02 // string
	TagChainID byte = 0x03 // string
	TagHeight  byte = 0x04 // uint64
	TagTime    byte = 0x05 // int64, Unix seconds
	TagConfig  byte = 0x06 // string
	TagTxType  byte = 0x07 // string
	TagCareer  byte = 0x08 // flag: the transaction has a career body

	TagStChainID    byte = 0x10 // string
	TagStType       byte = 0x11 // string
	TagStNonce      byte = 0x12 // uint64
	TagStHolder     byte = 0x13 // string
	TagStHolderKey  byte = 0x14 // string
	TagStSupersedes byte = 0x15 // string

	TagRole         byte = 0x20 // string
	TagOrganisation byte = 0x21 // string
	TagStart        byte = 0x22 // string
	TagEnd          byte = 0x23 // string
	TagDescription  byte = 0x24 // string
	TagSkill        byte = 0x25 // string, repeated
	TagEvidence     byte = 0x26 // string, repeated

	TagRcProvider  byte = 0x30 // string
	TagRcPaymentID byte = 0x31 // string
	TagRcAmount    byte = 0x32 // int64
	TagRcCurrency  byte = 0x33 // string
	TagRcClaim     byte = 0x34 // string
	TagRcIssuer    byte = 0x35 // string
	TagRcSig       byte = 0x36 // string

	TagStatementDigest     byte = 0x40 // string
	TagReceiptSigningBytes byte = 0x41 // bytes
)

const fieldHeader = 5 // tag byte + uint32 length

// AppendInput appends the ABI v1 input document of in to dst. Empty strings
// and zero numbers other than the header's are left out; the host uses
// this, and tests use it to build inputs for [Handle].
func AppendInput(dst []byte, in *Input) []byte {
	dst = appendUint(dst, TagABI, ABIVersion)
	dst = appendStr(dst, TagKind, in.Kind)
	dst = appendStr(dst, TagChainID, in.ChainID)
	dst = appendUint(dst, TagHeight, in.Height)
	dst = appendUint(dst, TagTime, uint64(in.Time))
	dst = appendStr(dst, TagConfig, in.Config)
	dst = appendStr(dst, TagTxType, in.TxType)
	if in.HasCareer {
		dst = appendField(dst, TagCareer, 0)
	}
	st := &in.Statement
	dst = appendStr(dst, TagStChainID, st.ChainID)
	dst = appendStr(dst, TagStType, st.Type)
	if st.Nonce != 0 {
		dst = appendUint(dst, TagStNonce, st.Nonce)
	}
	dst = appendStr(dst, TagStHolder, st.Holder)
	dst = appendStr(dst, TagStHolderKey, st.HolderKey)
	dst = appendStr(dst, TagStSupersedes, st.Supersedes)
	c := &st.Claim
	dst = appendStr(dst, TagRole, c.Role)
	dst = appendStr(dst, TagOrganisation, c.Organisation)
	dst = appendStr(dst, TagStart, c.Start)
	dst = appendStr(dst, TagEnd, c.End)
	dst = appendStr(dst, TagDescription, c.Description)
	for _, s := range c.Skills {
		dst = appendField(dst, TagSkill, len(s))
		dst = append(dst, s...)
	}
	for _, s := range c.Evidence {
		dst = appendField(dst, TagEvidence, len(s))
		dst = append(dst, s...)
	}
	r := &in.Receipt
	dst = appendStr(dst, TagRcProvider, r.Provider)
	dst = appendStr(dst, TagRcPaymentID, r.PaymentID)
	if r.Amount != 0 {
		dst = appendUint(dst, TagRcAmount, uint64(r.Amount))
	}
	dst = appendStr(dst, TagRcCurrency, r.Currency)
	dst = appendStr(dst, TagRcClaim, r.Claim)
	dst = appendStr(dst, TagRcIssuer, r.Issuer)
	dst = appendStr(dst, TagRcSig, r.Sig)
	dst = appendStr(dst, TagStatementDigest, in.StatementDigest)
	if in.ReceiptSigningBytes != nil {
		dst = appendField(dst, TagReceiptSigningBytes, len(in.ReceiptSigningBytes))
		dst = append(dst, in.ReceiptSigningBytes...)
	}
	return dst
}

// The document's integers are little-endian. (encoding/binary would bring
// reflect into every module.)

func appendField(dst []byte, tag byte, n int) []byte {
	return append(dst, tag, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}

func uint32At(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

func appendStr(dst []byte, tag byte, s string) []byte {
	if s == "" {
		return dst
	}
	dst = appendField(dst, tag, len(s))
	return append(dst, s...)
}

func appendUint(dst []byte, tag byte, v uint64) []byte {
	dst = appendField(dst, tag, 8)
	return append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24), byte(v>>32), byte(v>>40), byte(v>>48), byte(v>>56))
}

// DecodeInput decodes an ABI v1 input document into in, which it resets
// first. It copies what it keeps, so doc may be reused afterwards. It fails
// with an error wrapping ErrMalformedInput if doc is truncated, does not
// start with the ABI version or has an integer field of the wrong size; a
// document of another ABI version decodes its version only (in.ABI) and
// fails.
func DecodeInput(doc []byte, in *Input) error {
	*in = Input{}
	// One copy of the document backs every string field.
	s := string(doc)
	if len(s) < fieldHeader+8 || s[0] != TagABI || uint32At(s, 1) != 8 {
		return malformed("the document does not start with the ABI version")
	}
	v, _ := u64(TagABI, s[fieldHeader:fieldHeader+8])
	if v > 1<<16 {
		return malformed("ABI version " + strconv.FormatUint(v, 10))
	}
	in.ABI = int(v)
	if in.ABI != ABIVersion {
		return malformed("ABI version " + strconv.Itoa(in.ABI) + ", this plugin speaks " + strconv.Itoa(ABIVersion))
	}
	st, c, r := &in.Statement, &in.Statement.Claim, &in.Receipt
	for i := fieldHeader + 8; i < len(s); {
		if len(s)-i < fieldHeader {
			return malformed("truncated field header at byte " + strconv.Itoa(i))
		}
		tag, n := s[i], uint64(uint32At(s, i+1))
		i += fieldHeader
		if n > uint64(len(s)-i) {
			return malformed("field " + strconv.Itoa(int(tag)) + " runs past the end of the document")
		}
		val := s[i : i+int(n)]
		i += int(n)
		var err error
		switch tag {
		case TagKind:
			in.Kind = val
		case TagChainID:
			in.ChainID = val
		case TagHeight:
			in.Height, err = u64(tag, val)
		case TagTime:
			var u uint64
			u, err = u64(tag, val)
			in.Time = int64(u)
		case TagConfig:
			in.Config = val
		case TagTxType:
			in.TxType = val
		case TagCareer:
			in.HasCareer = true
		case TagStChainID:
			st.ChainID = val
		case TagStType:
			st.Type = val
		case TagStNonce:
			st.Nonce, err = u64(tag, val)
		case TagStHolder:
			st.Holder = val
		case TagStHolderKey:
			st.HolderKey = val
		case TagStSupersedes:
			st.Supersedes = val
		case TagRole:
			c.Role = val
		case TagOrganisation:
			c.Organisation = val
		case TagStart:
			c.Start = val
		case TagEnd:
			c.End = val
		case TagDescription:
			c.Description = val
		case TagSkill:
			c.Skills = append(c.Skills, val)
		case TagEvidence:
			c.Evidence = append(c.Evidence, val)
		case TagRcProvider:
			r.Provider = val
		case TagRcPaymentID:
			r.PaymentID = val
		case TagRcAmount:
			var u uint64
			u, err = u64(tag, val)
			r.Amount = int64(u)
		case TagRcCurrency:
			r.Currency = val
		case TagRcClaim:
			r.Claim = val
		case TagRcIssuer:
			r.Issuer = val
		case TagRcSig:
			r.Sig = val
		case TagStatementDigest:
			in.StatementDigest = val
		case TagReceiptSigningBytes:
			in.ReceiptSigningBytes = []byte(val)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// u64 decodes the 8-byte little-endian integer field tag.
func u64(tag byte, val string) (uint64, error) {
	if len(val) != 8 {
		return 0, malformed("integer field " + strconv.Itoa(int(tag)) + " has " + strconv.Itoa(len(val)) + " bytes, want 8")
	}
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(val[i])
	}
	return v, nil
}

func malformed(why string) error {
	return &wireError{why}
}

type wireError struct{ why string }

func (e *wireError) Error() string        { return ErrMalformedInput.Error() + ": " + e.why }
func (e *wireError) Is(target error) bool { return target == ErrMalformedInput }

// AppendOutput appends the ABI v1 output document of o, a JSON object
// {"verdict":…,"code":…,"reason":…,"score_ppm":…} with code and reason left
// out when empty, to dst.
func AppendOutput(dst []byte, o Output) []byte {
	dst = append(dst, `{"verdict":`...)
	dst = appendJSONString(dst, o.Verdict)
	if o.Code != "" {
		dst = append(dst, `,"code":`...)
		dst = appendJSONString(dst, o.Code)
	}
	if o.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = appendJSONString(dst, o.Reason)
	}
	dst = append(dst, `,"score_ppm":`...)
	dst = strconv.AppendInt(dst, o.ScorePPM, 10)
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\ufffd"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
