package wasm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	guest "github.com/careerchain/careerchain/sdk/plugin"
)

// ABIVersion is the plugin ABI this host speaks.
const ABIVersion = guest.ABIVersion

// Host functions a module may import (module HostModule), with their
// signatures: see docs/PLUGINS.md.
const (
	HostModule        = "careerchain"
	HostEd25519Verify = "ed25519_verify" // (pub, msg, msg_len, sig i32) -> i32
)

// Names the ABI v1 module exports.
const (
	ExportMarker   = "careerchain_abi_v1"
	ExportAlloc    = "alloc"
	ExportFree     = "free"
	ExportEvaluate = "evaluate"
	ExportMemory   = "memory"
)

// Plugin kinds, as named in chain.PluginRef.Kind.
const (
	KindValidator = "validator"
	KindPayment   = "payment"
	KindScorer    = "scorer"
)

// MaxScorePPM is the largest score a scorer may return: 1.0 in parts per million.
const MaxScorePPM = 1_000_000

// Limits on the text a plugin returns; longer text is cut, the same way on
// every replica.
const (
	maxCodeLen   = 64
	maxReasonLen = 1024
)

// Codes of the results the host produces itself (faults and abstentions).
const (
	CodeTrap          = "trap"        // the guest trapped or exited
	CodeBadPointer    = "bad_pointer" // a guest pointer/length outside its memory
	CodeOutputTooBig  = "output_too_large"
	CodeBadOutput     = "malformed_output"
	CodeTimeout       = "timeout"
	CodeCanceled      = "canceled"
	CodeNotLoaded     = "not_loaded"
	CodeHostClosed    = "host_closed"
	CodeInstantiate   = "instantiate_failed"
	CodeInputTooLarge = "input_too_large"
)

// Input is what the caller knows about the transaction a plugin judges. The
// host adds the ABI version, the plugin's kind and its config string.
type Input struct {
	ChainID string
	Height  uint64
	Time    int64 // block time from the header, Unix seconds
	Tx      chain.Tx
}

// Result is the outcome of [Host.Evaluate]. Its Verdict is the one every
// judgement in Careerchain ends in (pbft.Verdict): Accept and Reject come
// from the plugin, or Reject with Fault set when the plugin misbehaved
// (trap, exit, bad pointer, oversized or malformed output), which every
// replica sees alike; Abstain is this host's trouble (wall-clock limit,
// cancelled context, host closed, no instance) and casts no vote.
type Result struct {
	Plugin   string       `json:"plugin"`
	Verdict  pbft.Verdict `json:"verdict"`
	Fault    bool         `json:"fault,omitempty"` // the Reject is the plugin's misbehaviour; Code says which
	Code     string       `json:"code,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	ScorePPM int64        `json:"score_ppm"`
}

// wireOutput is the ABI v1 output document.
type wireOutput struct {
	Verdict  string `json:"verdict"`
	Code     string `json:"code"`
	Reason   string `json:"reason"`
	ScorePPM *int64 `json:"score_ppm"`
}

// encodeInput appends the ABI v1 input document for ref's kind to dst
// (see plugin.AppendInput): the call context and the transaction's type,
// then for validators and scorers the career statement with its claim, for
// payment plugins the receipt, the statement digest and the receipt's
// signing bytes, computed here natively.
func encodeInput(dst []byte, ref chain.PluginRef, in *Input) []byte {
	pi := guest.Input{
		Kind: ref.Kind, ChainID: in.ChainID, Height: in.Height, Time: in.Time, Config: ref.Config,
		TxType: in.Tx.Type,
	}
	c := in.Tx.Career
	if c == nil {
		return guest.AppendInput(dst, &pi)
	}
	pi.HasCareer = true
	st := &c.Statement
	if ref.Kind == KindPayment {
		// A payment plugin needs the receipt and what the host derives from
		// the statement, not the statement itself.
		r := c.Receipt
		pi.Receipt = guest.Receipt{
			Provider: r.Provider, PaymentID: r.PaymentID, Amount: r.Amount, Currency: r.Currency,
			Claim: r.Claim, Issuer: r.Issuer, Sig: r.Sig,
		}
		pi.StatementDigest = st.Digest()
		if b, err := chain.ReceiptSigningBytes(r); err == nil {
			pi.ReceiptSigningBytes = b
		}
		return guest.AppendInput(dst, &pi)
	}
	pi.Statement = guest.Statement{
		ChainID: st.ChainID, Type: st.Type, Nonce: st.Nonce, Holder: st.Holder, HolderKey: st.HolderKey,
		Supersedes: st.Supersedes,
		Claim: guest.Claim{
			Role: st.Claim.Role, Organisation: st.Claim.Organisation, Start: st.Claim.Start, End: st.Claim.End,
			Description: st.Claim.Description, Skills: st.Claim.Skills, Evidence: st.Claim.Evidence,
		},
	}
	return guest.AppendInput(dst, &pi)
}

// decodeOutput turns a guest's output document into a Result. Anything but a
// well-formed ABI v1 output is a fault, since every replica reads the same
// bytes. The document the Go SDK writes is read by a small scanner
// (decodeOutputFast); anything else goes through encoding/json, and the two
// agree on every document the scanner takes (FuzzDecodeOutput).
func decodeOutput(name string, raw []byte) Result {
	var out wireOutput
	var score int64
	if decodeOutputFast(raw, &out, &score) {
		return outputResult(name, out.Verdict, out.Code, out.Reason, score)
	}
	return decodeOutputJSON(name, raw)
}

func decodeOutputJSON(name string, raw []byte) Result {
	var out wireOutput
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&out); err != nil {
		return fault(name, CodeBadOutput, fmt.Sprintf("output is not an ABI v1 JSON object: %v", err))
	}
	if dec.More() {
		return fault(name, CodeBadOutput, "output has data after the JSON object")
	}
	var score int64
	if out.ScorePPM != nil {
		score = *out.ScorePPM
	}
	return outputResult(name, out.Verdict, out.Code, out.Reason, score)
}

// outputResult checks and clips an output's values (score 0 if the output
// has none).
func outputResult(name, verdict, code, reason string, score int64) Result {
	r := Result{Plugin: name, Code: clip(code, maxCodeLen), Reason: clip(reason, maxReasonLen)}
	switch verdict {
	case guest.VerdictAccept:
		r.Verdict = pbft.Accept
	case guest.VerdictReject:
		r.Verdict = pbft.Reject
		if r.Code == "" {
			r.Code = "rejected"
		}
	default:
		return fault(name, CodeBadOutput, fmt.Sprintf("verdict %q is neither \"accept\" nor \"reject\"", clip(verdict, maxCodeLen)))
	}
	if score < 0 || score > MaxScorePPM {
		return fault(name, CodeBadOutput, fmt.Sprintf("score_ppm %d is outside 0..%d", score, MaxScorePPM))
	}
	r.ScorePPM = score
	return r
}

// decodeOutputFast reads exactly the shape sdk/plugin's AppendOutput
// writes, {"verdict":S[,"code":S][,"reason":S],"score_ppm":N}, with no
// whitespace, strings of valid UTF-8 without escapes or control
// characters, and N an integer of at most 18 digits without leading zeros.
// It reports false for anything else, leaving the document to
// encoding/json.
func decodeOutputFast(raw []byte, out *wireOutput, score *int64) bool {
	s := raw
	var ok bool
	if s, ok = cutPrefix(s, `{"verdict":`); !ok {
		return false
	}
	if out.Verdict, s, ok = plainString(s); !ok {
		return false
	}
	if t, ok := cutPrefix(s, `,"code":`); ok {
		if out.Code, s, ok = plainString(t); !ok {
			return false
		}
	}
	if t, ok := cutPrefix(s, `,"reason":`); ok {
		if out.Reason, s, ok = plainString(t); !ok {
			return false
		}
	}
	if s, ok = cutPrefix(s, `,"score_ppm":`); !ok {
		return false
	}
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	n := 0
	var v int64
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int64(s[n]-'0')
		n++
	}
	if n == 0 || n > 18 || n > 1 && s[0] == '0' || len(s) != n+1 || s[n] != '}' {
		return false
	}
	if neg {
		v = -v
	}
	*score = v
	return true
}

func cutPrefix(s []byte, prefix string) ([]byte, bool) {
	if len(s) < len(prefix) || string(s[:len(prefix)]) != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

// plainString reads a JSON string without escapes or control characters
// that is valid UTF-8 from the start of s.
func plainString(s []byte) (string, []byte, bool) {
	if len(s) == 0 || s[0] != '"' {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v := s[1:i]
			if !utf8.Valid(v) {
				return "", s, false
			}
			switch string(v) { // the verdicts without an allocation
			case guest.VerdictAccept:
				return guest.VerdictAccept, s[i+1:], true
			case guest.VerdictReject:
				return guest.VerdictReject, s[i+1:], true
			}
			return string(v), s[i+1:], true
		case c == '\\' || c < 0x20:
			return "", s, false
		}
	}
	return "", s, false
}

func fault(name, code, reason string) Result {
	return Result{Plugin: name, Verdict: pbft.Reject, Fault: true, Code: code, Reason: reason}
}

func abstain(name, code, reason string) Result {
	return Result{Plugin: name, Verdict: pbft.Abstain, Code: code, Reason: reason}
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence and
// replaces invalid UTF-8, so a result is always printable JSON.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // invalid bytes become U+FFFD
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
