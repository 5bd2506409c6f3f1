package vc

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// ContextV2 is the W3C Verifiable Credentials 2.0 context, always first.
const ContextV2 = "https://www.w3.org/ns/credentials/v2"

// Types of a career credential and of its evidence and status entries.
const (
	TypeCareer   = "CareerCredential"
	TypeEvidence = "CareerchainRecord"
	TypeStatus   = "CareerchainRecordStatus"
)

// Credential is a career record as a Verifiable Credential 2.0.
type Credential struct {
	Context          []string   `json:"@context"` // ContextV2, then the project's context
	ID               string     `json:"id"`       // the record's page
	Type             []string   `json:"type"`     // VerifiableCredential, CareerCredential
	Name             string     `json:"name"`
	Issuer           string     `json:"issuer"` // did:key of a credential issuer key
	ValidFrom        string     `json:"validFrom"`
	Subject          Subject    `json:"credentialSubject"`
	Evidence         []Evidence `json:"evidence"`
	CredentialStatus Status     `json:"credentialStatus"`
	Proof            *Proof     `json:"proof,omitempty"`
}

// Subject is the holder and the claim.
type Subject struct {
	ID           string   `json:"id"`            // did:key of the holder's wallet key
	Address      string   `json:"walletAddress"` // the holder's cc1… address
	Role         string   `json:"role"`
	Organisation string   `json:"organisation"`
	Start        string   `json:"startDate"`
	End          string   `json:"endDate,omitempty"` // empty: ongoing
	Description  string   `json:"description,omitempty"`
	Skills       []string `json:"skills,omitempty"`
}

// Evidence names the chain record behind the credential: the chain, the
// TxID, and the block that committed it.
type Evidence struct {
	ID        string   `json:"id"` // the record's page
	Type      []string `json:"type"`
	ChainID   string   `json:"chainId"`
	TxID      string   `json:"txid"`
	Height    uint64   `json:"height"`
	BlockHash string   `json:"blockHash"`
}

// Status says where the record's revocation is found: on chain, as the
// record's status, which the record's proof bundle proves.
type Status struct {
	ID            string `json:"id"` // the record's proof bundle
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"` // "revocation"
	ChainID       string `json:"chainId"`
	TxID          string `json:"txid"`
}

// Record is what Issue needs of a committed career record.
type Record struct {
	ChainID   string
	TxID      string
	Height    uint64
	BlockHash string // hex
	BlockTime int64  // Unix ms
	Career    *chain.Career
	// PageURL is the record's public page; Context the project's JSON-LD
	// context URL, second in @context.
	PageURL, Context string
}

// Issue returns the credential of a record, signed by a credential issuer
// key at the given time.
func Issue(r Record, issuer ed25519.PrivateKey, now time.Time) ([]byte, error) {
	if r.Career == nil || r.ChainID == "" || r.TxID == "" || r.PageURL == "" || r.Context == "" {
		return nil, errors.New("vc: Issue needs a career record with its chain id, TxID, page and context")
	}
	s, cl := &r.Career.Statement, &r.Career.Statement.Claim
	hk, err := hex.DecodeString(s.HolderKey)
	if err != nil || len(hk) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("vc: the holder key %q is not an Ed25519 key", clip(s.HolderKey))
	}
	c := Credential{
		Context: []string{ContextV2, r.Context}, ID: r.PageURL, Type: []string{"VerifiableCredential", TypeCareer},
		Name:   cl.Role + " — " + cl.Organisation,
		Issuer: DIDKey(issuer.Public().(ed25519.PublicKey)), ValidFrom: time.UnixMilli(r.BlockTime).UTC().Format(time.RFC3339),
		Subject: Subject{ID: DIDKey(hk), Address: s.Holder, Role: cl.Role, Organisation: cl.Organisation, Start: cl.Start, End: cl.End,
			Description: cl.Description, Skills: cl.Skills},
		Evidence:         []Evidence{{ID: r.PageURL, Type: []string{TypeEvidence}, ChainID: r.ChainID, TxID: r.TxID, Height: r.Height, BlockHash: r.BlockHash}},
		CredentialStatus: Status{ID: r.PageURL + "/proof", Type: TypeStatus, StatusPurpose: "revocation", ChainID: r.ChainID, TxID: r.TxID},
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return Sign(doc, issuer, now)
}

// ErrCredential wraps the reasons Parse refuses a credential and
// CheckRecord refuses the chain record behind it.
var ErrCredential = errors.New("vc: not a valid career credential")

// Parse verifies a career credential's proof and its shape, and returns it
// with the key that signed it, which is the issuer's. Whether that key
// may issue credentials, and whether the record behind the credential
// holds, is CheckRecord's question.
func Parse(signed []byte) (*Credential, ed25519.PublicKey, error) {
	pub, err := VerifyProof(signed)
	if err != nil {
		return nil, nil, err
	}
	var c Credential
	dec := json.NewDecoder(bytes.NewReader(signed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrCredential, err)
	}
	switch {
	case len(c.Context) < 2 || c.Context[0] != ContextV2:
		return nil, nil, fmt.Errorf("%w: @context must start with %s and the project's context", ErrCredential, ContextV2)
	case !slices.Equal(c.Type, []string{"VerifiableCredential", TypeCareer}):
		return nil, nil, fmt.Errorf("%w: type %q is not [VerifiableCredential %s]", ErrCredential, c.Type, TypeCareer)
	case len(c.Evidence) != 1 || !slices.Equal(c.Evidence[0].Type, []string{TypeEvidence}):
		return nil, nil, fmt.Errorf("%w: evidence must name one %s", ErrCredential, TypeEvidence)
	case c.CredentialStatus.Type != TypeStatus || c.CredentialStatus.TxID != c.Evidence[0].TxID || c.CredentialStatus.ChainID != c.Evidence[0].ChainID:
		return nil, nil, fmt.Errorf("%w: credentialStatus must name the evidence's record", ErrCredential)
	}
	if k, err := KeyFromDID(c.Issuer); err != nil || !k.Equal(pub) {
		return nil, nil, fmt.Errorf("%w: the issuer %q is not the key that signed the proof", ErrCredential, clip(c.Issuer))
	}
	return &c, pub, nil
}

// CheckRecord checks a credential (Parse accepted it, signed by issuer)
// against the chain record behind it: b is the record's proof bundle, rep
// its verification (sdk/verify) against the chain's genesis. The record
// must verify, be the one the evidence names, in the block it names, and
// say what the credential says; the issuer must be a credential issuer of
// the latest key set the bundle proves. It returns the record's state
// (verify.StateActive, StateAmended, StateRevoked).
func CheckRecord(c *Credential, issuer ed25519.PublicKey, b *verify.Bundle, rep verify.Report) (string, error) {
	if !rep.OK() || rep.Latest == nil {
		f, _ := rep.Failed()
		return "", fmt.Errorf("%w: the chain record does not verify: step %q failed: %s", ErrCredential, f.Name, f.Text)
	}
	ev := c.Evidence[0]
	d, err := b.Block.Digest()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCredential, err)
	}
	switch {
	case ev.ChainID != b.ChainID:
		return "", fmt.Errorf("%w: the credential names chain %q, the record is on chain %q", ErrCredential, clip(ev.ChainID), b.ChainID)
	case ev.TxID != b.TxID:
		return "", fmt.Errorf("%w: the credential names record %s, the proof is for %s", ErrCredential, clip(ev.TxID), b.TxID)
	case ev.Height != b.Block.Height || ev.BlockHash != d.String():
		return "", fmt.Errorf("%w: the credential names block %d (%s), the record is in block %d (%s)", ErrCredential, ev.Height, clip(ev.BlockHash), b.Block.Height, d)
	case !slices.Contains(rep.Latest.CredentialIssuers, hex.EncodeToString(issuer)):
		return "", fmt.Errorf("%w: the issuer key %s is not a credential issuer the chain config names", ErrCredential, hex.EncodeToString(issuer)[:16])
	}
	tx, err := chain.DecodeTx(b.Tx, verify.MaxTxBytes)
	if err != nil || tx.Career == nil {
		return "", fmt.Errorf("%w: the record is not a career record", ErrCredential)
	}
	s, cl := &tx.Career.Statement, &tx.Career.Statement.Claim
	hk, _ := hex.DecodeString(s.HolderKey)
	want := Subject{ID: DIDKey(hk), Address: s.Holder, Role: cl.Role, Organisation: cl.Organisation, Start: cl.Start, End: cl.End,
		Description: cl.Description, Skills: cl.Skills}
	got := c.Subject
	if len(got.Skills) == 0 && len(want.Skills) == 0 {
		got.Skills, want.Skills = nil, nil
	}
	if got.ID != want.ID || got.Address != want.Address || got.Role != want.Role || got.Organisation != want.Organisation ||
		got.Start != want.Start || got.End != want.End || got.Description != want.Description || !slices.Equal(got.Skills, want.Skills) {
		return "", fmt.Errorf("%w: the credential's subject is not what the chain record says", ErrCredential)
	}
	return b.Status.State, nil
}
