package plugin

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/careerchain/careerchain/sdk/chain"
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

// Input is what the host passes to a plugin.
type Input struct {
	ABI     int      `json:"abi"`
	Kind    string   `json:"kind"`     // "validator", "payment" or "scorer"
	ChainID string   `json:"chain_id"` // chain the transaction is for
	Height  uint64   `json:"height"`   // height of the block being built or executed
	Time    int64    `json:"time"`     // block time, Unix seconds: the plugin's only clock
	Config  string   `json:"config"`   // the plugin's config string from the chain config
	Tx      chain.Tx `json:"tx"`
}

// Output is a plugin's answer.
type Output struct {
	Verdict  string `json:"verdict"`          // VerdictAccept or VerdictReject
	Code     string `json:"code,omitempty"`   // short machine-readable reason, e.g. "bad_dates"
	Reason   string `json:"reason,omitempty"` // one sentence for people
	ScorePPM int64  `json:"score_ppm"`        // scorers: 0..MaxScorePPM
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
// and a panicking handler become rejections. Tests call it directly.
func Handle(h Handler, input []byte) []byte {
	out := run(h, input)
	b, err := json.Marshal(out)
	if err != nil { // cannot happen: Output holds only strings and an integer
		return []byte(`{"verdict":"reject","code":"panic","reason":"encode output"}`)
	}
	return b
}

func run(h Handler, input []byte) (out Output) {
	var in Input
	if err := json.Unmarshal(input, &in); err != nil {
		return Reject(CodeMalformedInput, "input is not an ABI v1 document: "+err.Error())
	}
	if in.ABI != ABIVersion {
		return Reject(CodeABIMismatch, "host speaks ABI "+strconv.Itoa(in.ABI)+", plugin speaks "+strconv.Itoa(ABIVersion))
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
