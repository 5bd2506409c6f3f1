// Command verifier is the light client (sdk/verify) as a WebAssembly module
// for the portal's pages: built with GOOS=js GOARCH=wasm (make verifier, or
// portal/verifier/build.sh) and run by Go's wasm_exec.js, it defines one
// JavaScript function,
//
//	careerchainVerify(bundleJSON, genesisJSON) → resultJSON
//
// which checks a proof bundle (what GET /tx/{txid}/proof serves) against a
// genesis file (the trust anchor) and returns the ordered steps as JSON
// (Result), and
//
//	careerchainVerifyCredential(credentialJSON, bundleJSON, genesisJSON) → resultJSON
//
// which checks a Verifiable Credential (sdk/vc): its proof, then the record
// behind it from that record's bundle (CredentialResult). The module keeps no state between calls and reaches nothing but
// its two arguments: no network, no storage. Built for any other platform
// it only says how to build it.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/sdk/vc"
	"github.com/careerchain/careerchain/sdk/verify"
)

// Result is what careerchainVerify returns, as JSON.
type Result struct {
	// Error is set when the genesis cannot be read: nothing was checked.
	Error string `json:"error,omitempty"`
	// ChainID and GenesisHash name the trust anchor the check used (the
	// hash as sdk/genesis defines it, hex).
	ChainID     string        `json:"chain_id,omitempty"`
	GenesisHash string        `json:"genesis_hash,omitempty"`
	OK          bool          `json:"ok"`
	Steps       []verify.Step `json:"steps"`
	// Failed is the name of the step that failed, if one did.
	Failed string `json:"failed,omitempty"`
	// The record as the bundle states it, for the page to show what was
	// checked: read from a bundle that decodes, trusted only as far as
	// the steps passed.
	TxID   string        `json:"txid,omitempty"`
	Status verify.Status `json:"status"`
	Claim  *chain.Claim  `json:"claim,omitempty"`
	Holder string        `json:"holder,omitempty"`
	// StatusTime is the block time (Unix ms) of the amendment or
	// revocation, and RevokedAs says whether the record's "holder" or its
	// "attester" revoked it.
	StatusTime int64  `json:"status_time,omitempty"`
	RevokedAs  string `json:"revoked_as,omitempty"`
}

// check verifies bundle against the genesis file gen.
func check(bundle, gen []byte) Result {
	var g genesis.Genesis
	if err := json.Unmarshal(gen, &g); err != nil {
		return Result{Error: fmt.Sprintf("The genesis file cannot be read: %v.", err), Steps: []verify.Step{}}
	}
	trust, err := verify.TrustFromGenesisJSON(gen)
	if err != nil {
		return Result{Error: fmt.Sprintf("The genesis file cannot anchor a check: %v.", err), Steps: []verify.Step{}}
	}
	h, err := g.Hash()
	if err != nil {
		return Result{Error: fmt.Sprintf("The genesis file cannot be hashed: %v.", err), Steps: []verify.Step{}}
	}
	rep := verify.VerifyJSON(bundle, trust)
	out := Result{ChainID: trust.ChainID, GenesisHash: hex.EncodeToString(h[:]), OK: rep.OK(), Steps: rep.Steps}
	if f, failed := rep.Failed(); failed {
		out.Failed = f.Name
	}
	if b, err := verify.DecodeBundle(bundle); err == nil {
		out.TxID, out.Status = b.TxID, b.Status
		if ev := b.Status.Evidence; ev != nil {
			out.StatusTime = ev.Block.Time
		}
		out.Status.Evidence = nil
		if tx, err := chain.DecodeTx(b.Tx, verify.MaxTxBytes); err == nil && tx.Career != nil {
			c := tx.Career
			out.Claim, out.Holder = &c.Statement.Claim, c.Statement.Holder
			switch b.Status.Revoker {
			case "":
			case c.Statement.HolderKey:
				out.RevokedAs = "holder"
			case c.Attestation.Attester:
				out.RevokedAs = "attester"
			}
		}
	}
	return out
}

// checkJSON is check with its answer encoded.
func checkJSON(bundle, gen []byte) string {
	b, err := json.Marshal(check(bundle, gen))
	if err != nil { // only plain types: cannot happen
		sum := sha256.Sum256(bundle)
		return fmt.Sprintf(`{"error":"the result could not be encoded (bundle %x)","ok":false,"steps":[]}`, sum[:4])
	}
	return string(b)
}

// CredentialResult is what careerchainVerifyCredential returns, as JSON:
// the credential's own check, then the record's (Record, the steps of
// check on the bundle its evidence names).
type CredentialResult struct {
	// OK: the proof verifies and the record behind it checks.
	OK bool `json:"ok"`
	// ProofOK: the credential's DataIntegrityProof verifies; ProofError
	// says why not.
	ProofOK    bool   `json:"proof_ok"`
	ProofError string `json:"proof_error,omitempty"`
	// RecordError says why the record does not back the credential.
	RecordError string `json:"record_error,omitempty"`
	// State is the record's state on chain: active, amended or revoked.
	State  string  `json:"state,omitempty"`
	Issuer string  `json:"issuer,omitempty"`
	TxID   string  `json:"txid,omitempty"`
	Name   string  `json:"name,omitempty"`
	Record *Result `json:"record,omitempty"`
}

// checkCredential verifies a credential's proof, then the record behind
// it from its bundle against the genesis gen.
func checkCredential(cred, bundle, gen []byte) CredentialResult {
	c, pub, err := vc.Parse(cred)
	if err != nil {
		return CredentialResult{ProofError: err.Error()}
	}
	out := CredentialResult{ProofOK: true, Issuer: c.Issuer, TxID: c.Evidence[0].TxID, Name: c.Name}
	rec := check(bundle, gen)
	out.Record = &rec
	if rec.Error != "" {
		out.RecordError = rec.Error
		return out
	}
	trust, _ := verify.TrustFromGenesisJSON(gen) // check read it
	b, err := verify.DecodeBundle(bundle)
	if err != nil {
		out.RecordError = err.Error()
		return out
	}
	state, err := vc.CheckRecord(c, pub, b, verify.Verify(b, trust))
	if err != nil {
		out.RecordError = err.Error()
		return out
	}
	out.OK, out.State = true, state
	return out
}

// checkCredentialJSON is checkCredential with its answer encoded.
func checkCredentialJSON(cred, bundle, gen []byte) string {
	b, err := json.Marshal(checkCredential(cred, bundle, gen))
	if err != nil {
		return `{"ok":false,"proof_error":"the result could not be encoded"}`
	}
	return string(b)
}
