package plugin

import (
	"errors"
	"strconv"
	"unicode/utf8"
	"unsafe"
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
// first. It does not copy: the strings and byte slices of in alias doc, so
// doc must not change while in is used (inside a module the SDK decodes the
// host's input buffer, which the host rewrites for the next call — a
// handler that keeps a string beyond its call must copy it, e.g. with
// strings.Clone). It fails with an error wrapping ErrMalformedInput if doc
// is truncated, does not start with the ABI version or has an integer
// field of the wrong size; a document of another ABI version decodes its
// version only (in.ABI) and fails.
func DecodeInput(doc []byte, in *Input) error {
	return decodeInput(doc, in, nil)
}

// lists holds the backing arrays of Skills and Evidence that the module's
// evaluate reuses from call to call, so that decoding allocates nothing.
type lists struct{ skills, evidence []string }

// decodeInput is DecodeInput; with l non-nil, Skills and Evidence are
// appended to l's arrays (emptied first), which keep their capacity for
// the next call.
func decodeInput(doc []byte, out *Input, l *lists) error {
	// Decode into a local, copied to *out once: stores into a stack
	// variable need no write barriers, whose checks cost a branch each.
	var x Input
	in := &x
	defer func() { *out = x }()
	if len(doc) == 0 {
		return malformed("the document does not start with the ABI version")
	}
	// Every string field is a substring of s, which is doc without a copy.
	s := unsafe.String(unsafe.SliceData(doc), len(doc))
	if len(s) < fieldHeader+8 || s[0] != TagABI || uint32At(s, 1) != 8 {
		return malformed("the document does not start with the ABI version")
	}
	v := le64(s[fieldHeader : fieldHeader+8])
	if v > 1<<16 {
		return malformed("ABI version " + strconv.FormatUint(v, 10))
	}
	in.ABI = int(v)
	if in.ABI != ABIVersion {
		return malformed("ABI version " + strconv.Itoa(in.ABI) + ", this plugin speaks " + strconv.Itoa(ABIVersion))
	}
	st, c, r := &in.Statement, &in.Statement.Claim, &in.Receipt
	if l != nil {
		c.Skills, c.Evidence = l.skills[:0], l.evidence[:0]
	}
	// The fields in the order AppendInput writes them, without the loop
	// and the switch below: inside a module every taken branch and loop
	// iteration passes a loop header, where wazero's interruption check
	// leaves the native code (see docs/PLUGINS.md). The loop then reads
	// whatever is left (unknown tags, other orders) the same way.
	i := fieldHeader + 8
	var u uint64
	i = field(s, i, TagKind, &in.Kind)
	i = field(s, i, TagChainID, &in.ChainID)
	i = intField(s, i, TagHeight, &in.Height)
	i = intField(s, i, TagTime, &u)
	in.Time = int64(u)
	i = field(s, i, TagConfig, &in.Config)
	i = field(s, i, TagTxType, &in.TxType)
	if i+fieldHeader <= len(s) && s[i] == TagCareer && uint32At(s, i+1) == 0 {
		in.HasCareer = true
		i += fieldHeader
	}
	if len(in.Kind) != len(KindPayment) { // a guess (no string comparison): either branch is correct
		i = field(s, i, TagStChainID, &st.ChainID)
		i = field(s, i, TagStType, &st.Type)
		i = intField(s, i, TagStNonce, &st.Nonce)
		i = field(s, i, TagStHolder, &st.Holder)
		i = field(s, i, TagStHolderKey, &st.HolderKey)
		i = field(s, i, TagStSupersedes, &st.Supersedes)
		i = field(s, i, TagRole, &c.Role)
		i = field(s, i, TagOrganisation, &c.Organisation)
		i = field(s, i, TagStart, &c.Start)
		i = field(s, i, TagEnd, &c.End)
		i = field(s, i, TagDescription, &c.Description)
		var v string
		for j := field(s, i, TagSkill, &v); j != i; j = field(s, i, TagSkill, &v) {
			c.Skills, i = append(c.Skills, v), j
		}
		for j := field(s, i, TagEvidence, &v); j != i; j = field(s, i, TagEvidence, &v) {
			c.Evidence, i = append(c.Evidence, v), j
		}
	} else {
		i = field(s, i, TagRcProvider, &r.Provider)
		i = field(s, i, TagRcPaymentID, &r.PaymentID)
		u = 0
		i = intField(s, i, TagRcAmount, &u)
		r.Amount = int64(u)
		i = field(s, i, TagRcCurrency, &r.Currency)
		i = field(s, i, TagRcClaim, &r.Claim)
		i = field(s, i, TagRcIssuer, &r.Issuer)
		i = field(s, i, TagRcSig, &r.Sig)
		i = field(s, i, TagStatementDigest, &in.StatementDigest)
		var b string
		if j := field(s, i, TagReceiptSigningBytes, &b); j != i {
			in.ReceiptSigningBytes, i = doc[j-len(b):j:j], j
		}
	}
	err := decodeFields(doc, i, in)
	if l != nil {
		// Keep the grown arrays for the next call; nil when empty, as
		// without l.
		l.skills, l.evidence = c.Skills[:0], c.Evidence[:0]
		if len(c.Skills) == 0 {
			c.Skills = nil
		}
		if len(c.Evidence) == 0 {
			c.Evidence = nil
		}
	}
	return err
}

// decodeFields decodes the fields of doc from byte i on into in, one at a
// time, in any order.
func decodeFields(doc []byte, i int, in *Input) error {
	s := unsafe.String(unsafe.SliceData(doc), len(doc))
	st, c, r := &in.Statement, &in.Statement.Claim, &in.Receipt
	for i < len(s) {
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
		switch tag {
		case TagKind:
			in.Kind = val
		case TagChainID:
			in.ChainID = val
		case TagHeight, TagTime, TagStNonce, TagRcAmount:
			if len(val) != 8 {
				return malformed("integer field " + strconv.Itoa(int(tag)) + " has " + strconv.Itoa(len(val)) + " bytes, want 8")
			}
			switch u := le64(val); tag {
			case TagHeight:
				in.Height = u
			case TagTime:
				in.Time = int64(u)
			case TagStNonce:
				st.Nonce = u
			default:
				r.Amount = int64(u)
			}
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
			in.ReceiptSigningBytes = doc[i-int(n) : i : i]
		}
	}
	return nil
}

// field stores in *dst the value of the field at s[i:] (i <= len(s)) if
// its tag is tag and it fits in s, and returns the index after it;
// otherwise it returns i. It is small enough to be inlined, and a field
// that is there takes no branch.
func field(s string, i int, tag byte, dst *string) int {
	h := s[i:]
	if len(h) >= fieldHeader && h[0] == tag {
		if n := fieldLen(h); n <= len(h)-fieldHeader {
			*dst = h[fieldHeader : fieldHeader+n]
			i += fieldHeader + n
		}
	}
	return i
}

// intField is field for an integer field: it stores the value in *dst if
// the field has 8 bytes.
func intField(s string, i int, tag byte, dst *uint64) int {
	h := s[i:]
	if len(h) >= fieldHeader+8 && h[0] == tag && fieldLen(h) == 8 {
		*dst = le64(h[fieldHeader:])
		i += fieldHeader + 8
	}
	return i
}

// le64 decodes 8 little-endian bytes.
func le64(val string) uint64 {
	_ = val[7]
	return load64(val)
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
	if o.Verdict == VerdictAccept && o.Code == "" && o.Reason == "" && o.ScorePPM == 0 {
		return append(dst, `{"verdict":"accept","score_ppm":0}`...) // the common answer, in one append
	}
	if o.Verdict == VerdictAccept {
		dst = append(dst, `{"verdict":"accept"`...)
	} else {
		dst = append(dst, `{"verdict":`...)
		dst = appendJSONString(dst, o.Verdict)
	}
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
