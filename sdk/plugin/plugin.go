package plugin

import (
	"errors"
	"strconv"
)

// ABIVersion is the plugin ABI this SDK implements.
const ABIVersion = 1

// Verdicts a plugin may return.
const (
	VerdictAccept = "accept"
	VerdictReject = "reject"
)

// MaxScorePPM is a score of 1.0 in parts per million.
const MaxScorePPM = 1_000_000

// Codes the SDK itself returns.
const (
	CodeMalformedInput = "malformed_input"
	CodeABIMismatch    = "abi_mismatch"
	CodePanic          = "panic"
)

// Transaction types, as in sdk/chain (this package does not import it, to
// keep plugins small).
const (
	TypeRegister = "career.register"
	TypeAmend    = "career.amend"
	TypeRevoke   = "career.revoke"
	TypeConfig   = "config.change"
)

// Kinds of plugin, as in the chain config.
const (
	KindValidator = "validator"
	KindPayment   = "payment"
	KindScorer    = "scorer"
)

// Input is what the host passes to a plugin: the call's context and the
// parts of the transaction the plugin's kind needs. Validators and scorers
// get the statement (with its claim) of a career transaction; payment
// plugins get the receipt and two values the host computes with sdk/chain
// (so that no plugin needs a JSON canonicaliser) instead.
type Input struct {
	ABI     int    // ABIVersion
	Kind    string // KindValidator, KindPayment or KindScorer
	ChainID string // chain the transaction is for
	Height  uint64 // height of the block being built or executed
	Time    int64  // block time, Unix seconds: the plugin's only clock
	Config  string // the plugin's config string from the chain config

	TxType    string    // the transaction's type (TypeRegister, ...)
	HasCareer bool      // the transaction has a career body (register, amend)
	Statement Statement // validators and scorers: the career body's statement

	// Payment plugins only.
	Receipt Receipt // the career body's payment receipt
	// StatementDigest is sdk/chain Statement.Digest() of Statement, the
	// value Receipt.Claim must equal; "" if it cannot be computed.
	StatementDigest string
	// ReceiptSigningBytes is sdk/chain ReceiptSigningBytes(Receipt), the
	// message Receipt.Sig signs; nil if it cannot be computed.
	ReceiptSigningBytes []byte
}

// Statement is the part of a career transaction its holder signs (sdk/chain
// Statement).
type Statement struct {
	ChainID    string
	Type       string // TypeRegister or TypeAmend
	Nonce      uint64
	Holder     string // address
	HolderKey  string // hex Ed25519 public key
	Claim      Claim
	Supersedes string // TxID, for TypeAmend
}

// Claim is what a freelancer states about one engagement (sdk/chain Claim).
type Claim struct {
	Role         string
	Organisation string
	Start        string // YYYY-MM-DD
	End          string // YYYY-MM-DD, "" while ongoing
	Description  string
	Skills       []string
	Evidence     []string // "sha256:<64 hex>" each
}

// Receipt proves a claim's fee was paid (sdk/chain Receipt).
type Receipt struct {
	Provider  string
	PaymentID string
	Amount    int64 // in the currency's minor unit
	Currency  string
	Claim     string // hex statement digest the payment is for
	Issuer    string // hex Ed25519 public key of the payment service
	Sig       string // hex Ed25519 signature over ReceiptSigningBytes
}

// Output is a plugin's answer.
type Output struct {
	Verdict  string // VerdictAccept or VerdictReject
	Code     string // short machine-readable reason, e.g. "bad_dates"
	Reason   string // one sentence for people
	ScorePPM int64  // scorers: 0..MaxScorePPM
}

// Handler judges one input. It must be deterministic.
type Handler func(Input) Output

// Accept is the output of a plugin that accepts.
func Accept() Output { return Output{Verdict: VerdictAccept} }

// Reject is the output of a plugin that rejects, with a short code and a
// sentence saying what is wrong.
func Reject(code, reason string) Output {
	return Output{Verdict: VerdictReject, Code: code, Reason: reason}
}

// Score is a scorer's accepting output with a score in parts per million,
// clamped to 0..MaxScorePPM.
func Score(ppm int64) Output {
	return Output{Verdict: VerdictAccept, ScorePPM: max(0, min(ppm, MaxScorePPM))}
}

var registered Handler

// Register installs the plugin's handler. Call it once, from a
// package-level variable initialiser of package main:
//
//	var _ = plugin.Register(check)
//
// It returns true so that it can be used that way. A second call panics,
// which makes the module fail to start and the host refuse it.
func Register(h Handler) bool {
	if h == nil {
		panic("plugin: Register(nil)")
	}
	if registered != nil {
		panic("plugin: Register called twice")
	}
	registered = h
	return true
}

// Handle runs h on one ABI v1 input document and returns the output
// document, exactly as the module's evaluate export does: malformed input
// and a panicking handler become rejections. Tests call it directly, with
// a document from [AppendInput].
func Handle(h Handler, input []byte) []byte {
	return AppendOutput(nil, run(h, input, nil))
}

// run decodes input (with l's arrays for the lists, if l is not nil) and
// runs h on it.
func run(h Handler, input []byte, l *lists) (out Output) {
	var in Input
	if err := decodeInput(input, &in, l); err != nil {
		if in.ABI != 0 && in.ABI != ABIVersion {
			return Reject(CodeABIMismatch, "host speaks ABI "+strconv.Itoa(in.ABI)+", plugin speaks "+strconv.Itoa(ABIVersion))
		}
		return Reject(CodeMalformedInput, "input is not an ABI v1 document: "+err.Error())
	}
	if h == nil {
		return Reject(CodePanic, "plugin registered no handler (plugin.Register)")
	}
	defer func() {
		if r := recover(); r != nil {
			out = Reject(CodePanic, "plugin panicked: "+describe(r))
		}
	}()
	out = h(in)
	if out.Verdict != VerdictAccept && out.Verdict != VerdictReject {
		return Reject(CodePanic, "plugin returned verdict "+strconv.Quote(out.Verdict))
	}
	return out
}

func describe(r any) string {
	switch v := r.(type) {
	case string:
		return v
	case error:
		var re interface{ RuntimeError() }
		if errors.As(v, &re) {
			return "runtime error: " + v.Error()
		}
		return v.Error()
	default:
		return "non-error panic value"
	}
}
