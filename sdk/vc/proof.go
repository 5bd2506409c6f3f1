package vc

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/mr-tron/base58"
)

// Cryptosuite is the cryptosuite this package signs and verifies.
const Cryptosuite = "eddsa-jcs-2022"

// ErrProof wraps every reason VerifyProof refuses a document.
var ErrProof = errors.New("vc: the proof does not verify")

// MaxDocumentBytes bounds a document VerifyProof reads.
const MaxDocumentBytes = 1 << 20

// Proof is a DataIntegrityProof.
type Proof struct {
	Type               string   `json:"type"`
	Cryptosuite        string   `json:"cryptosuite"`
	Created            string   `json:"created,omitempty"`
	VerificationMethod string   `json:"verificationMethod"`
	ProofPurpose       string   `json:"proofPurpose"`
	Context            []string `json:"@context,omitempty"`
	ProofValue         string   `json:"proofValue,omitempty"`
}

// Hashes returns the two hashes of eddsa-jcs-2022 for a document without
// its proof and a proof configuration (the proof without proofValue, with
// the document's @context): SHA-256 of the JCS form of each. hashData is
// config ‖ doc, in that order.
func Hashes(doc, config []byte) (configHash, docHash [32]byte, err error) {
	cc, err := jcs.Transform(config)
	if err != nil {
		return configHash, docHash, fmt.Errorf("vc: canonical proof configuration: %w", err)
	}
	cd, err := jcs.Transform(doc)
	if err != nil {
		return configHash, docHash, fmt.Errorf("vc: canonical document: %w", err)
	}
	return sha256.Sum256(cc), sha256.Sum256(cd), nil
}

func hashData(doc, config []byte) ([]byte, error) {
	ch, dh, err := Hashes(doc, config)
	if err != nil {
		return nil, err
	}
	return append(ch[:], dh[:]...), nil
}

// members decodes a JSON object into its members, refusing trailing data
// and a member twice (JCS would keep one silently).
func members(b []byte) (map[string]json.RawMessage, error) {
	if len(b) > MaxDocumentBytes {
		return nil, fmt.Errorf("%d bytes, limit %d", len(b), MaxDocumentBytes)
	}
	if _, err := jcs.Transform(b); err != nil { // refuses duplicate names and bad JSON
		return nil, err
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// Sign adds an eddsa-jcs-2022 DataIntegrityProof (purpose
// assertionMethod, created at the given time, by the did:key of priv) to
// the unsigned document doc (a JSON object with an @context and no proof)
// and returns the signed document.
func Sign(doc []byte, priv ed25519.PrivateKey, created time.Time) ([]byte, error) {
	m, err := members(doc)
	if err != nil {
		return nil, fmt.Errorf("vc: the document: %w", err)
	}
	if _, ok := m["proof"]; ok {
		return nil, errors.New("vc: the document has a proof already")
	}
	var ctx []string
	if err := json.Unmarshal(m["@context"], &ctx); err != nil || len(ctx) == 0 {
		return nil, errors.New("vc: the document's @context must be a list of URLs")
	}
	p := Proof{Type: "DataIntegrityProof", Cryptosuite: Cryptosuite, Created: created.UTC().Format(time.RFC3339),
		VerificationMethod: VerificationMethod(priv.Public().(ed25519.PublicKey)), ProofPurpose: "assertionMethod", Context: ctx}
	cfg, _ := json.Marshal(p)
	hd, err := hashData(doc, cfg)
	if err != nil {
		return nil, err
	}
	p.ProofValue = "z" + base58.Encode(ed25519.Sign(priv, hd))
	m["proof"], _ = json.Marshal(p)
	return json.Marshal(m)
}

// VerifyProof checks the eddsa-jcs-2022 DataIntegrityProof of a signed
// document, as the specification's "verify proof" algorithm does, and
// returns the key that signed it. An error wraps ErrProof and says what
// is wrong.
func VerifyProof(signed []byte) (ed25519.PublicKey, error) {
	m, err := members(signed)
	if err != nil {
		return nil, fmt.Errorf("%w: the document is not one JSON object: %v", ErrProof, err)
	}
	raw, ok := m["proof"]
	if !ok {
		return nil, fmt.Errorf("%w: the document has no proof", ErrProof)
	}
	opts, err := members(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the proof is not one JSON object (a set of proofs is not supported): %v", ErrProof, err)
	}
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: the proof: %v", ErrProof, err)
	}
	switch {
	case p.Type != "DataIntegrityProof":
		return nil, fmt.Errorf("%w: proof type %q, want DataIntegrityProof", ErrProof, clip(p.Type))
	case p.Cryptosuite != Cryptosuite:
		return nil, fmt.Errorf("%w: cryptosuite %q, want %s", ErrProof, clip(p.Cryptosuite), Cryptosuite)
	case p.ProofPurpose != "assertionMethod":
		return nil, fmt.Errorf("%w: proof purpose %q, want assertionMethod", ErrProof, clip(p.ProofPurpose))
	}
	if p.Created != "" {
		if _, err := time.Parse(time.RFC3339, p.Created); err != nil {
			return nil, fmt.Errorf("%w: created %q is not a date-time", ErrProof, clip(p.Created))
		}
	}
	pub, err := KeyFromDID(p.VerificationMethod)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProof, err)
	}
	sigText, ok := strings.CutPrefix(p.ProofValue, "z")
	if !ok {
		return nil, fmt.Errorf("%w: the proofValue is not multibase base58btc", ErrProof)
	}
	sig, err := base58.Decode(sigText)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: the proofValue is not a %d-byte signature", ErrProof, ed25519.SignatureSize)
	}
	delete(m, "proof")
	delete(opts, "proofValue")
	if pc, ok := opts["@context"]; ok {
		var want, have []json.RawMessage
		if json.Unmarshal(pc, &want) != nil || json.Unmarshal(m["@context"], &have) != nil || len(have) < len(want) {
			return nil, fmt.Errorf("%w: the document's @context does not start with the proof's", ErrProof)
		}
		for i := range want {
			a, _ := jcs.Transform(want[i])
			b, _ := jcs.Transform(have[i])
			if !bytes.Equal(a, b) {
				return nil, fmt.Errorf("%w: the document's @context does not start with the proof's", ErrProof)
			}
		}
		m["@context"] = pc
	}
	opts["@context"] = m["@context"]
	doc, _ := json.Marshal(m)
	cfg, _ := json.Marshal(opts)
	hd, err := hashData(doc, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProof, err)
	}
	if !ed25519.Verify(pub, hd, sig) {
		return nil, fmt.Errorf("%w: the signature does not match the document (it was changed after signing, or signed by another key)", ErrProof)
	}
	return pub, nil
}
