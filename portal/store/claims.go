package store

import (
	"context"
	"errors"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
)

// ErrConflict: a claim update was refused because the claim is not in a
// state that allows it (UpdateClaim's function returned it).
var ErrConflict = errors.New("store: the claim is not in a state that allows this")

// States of a claim, in the order a claim goes through them.
const (
	StateDraft     = "draft"     // being written; the statement is not signed
	StateSigned    = "signed"    // the holder signed; awaiting payment
	StatePaying    = "paying"    // a checkout was begun with a provider
	StatePaid      = "paid"      // the fee is paid and the receipt signed; awaiting review
	StateRejecting = "rejecting" // an admin rejected it; the refund is under way
	StateRejected  = "rejected"  // rejected (and refunded unless RefundNote says why not)
	StateApproved  = "approved"  // attested; the transaction is being submitted
	StateCommitted = "committed" // on chain: TxID and Height are set
	StateFailed    = "failed"    // the chain refused the transaction: Reason says why
)

// Claim is one career claim through its life in the portal: the draft,
// the holder's signed statement, the payment, the review and the
// submission. Every step's result is stored before the step is reported
// done, so a restart resumes where the portal stopped.
type Claim struct {
	ID        string          `json:"id"`
	AccountID string          `json:"account_id"`
	State     string          `json:"state"`
	Statement chain.Statement `json:"statement"` // Claim.Evidence lists the files' digests
	Files     []FileRef       `json:"files,omitempty"`
	HolderSig string          `json:"holder_sig,omitempty"`
	Payment   *Payment        `json:"payment,omitempty"`
	Receipt   *chain.Receipt  `json:"receipt,omitempty"`

	Reviewer    string             `json:"reviewer,omitempty"` // account ID of the admin who decided
	Reason      string             `json:"reason,omitempty"`   // rejection reason, or why the chain refused it
	RefundNote  string             `json:"refund_note,omitempty"`
	Attestation *chain.Attestation `json:"attestation,omitempty"`
	Tx          []byte             `json:"tx,omitempty"`   // canonical bytes of the transaction submitted
	TxID        string             `json:"txid,omitempty"` // set with Tx; the record's TxID once committed
	Height      uint64             `json:"height,omitempty"`
	Tries       []Try              `json:"tries,omitempty"` // submission attempts, for the admin

	Revocation *Revocation `json:"revocation,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Paid    time.Time `json:"paid,omitzero"`
}

// FileRef is an evidence file of a claim; the bytes are in the file store.
type FileRef struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// Payment is the current payment attempt of a claim. OrderID is the
// idempotency key at the provider; a new attempt (after a decline or a
// cancel) gets a new one.
type Payment struct {
	Attempt     int       `json:"attempt"`
	OrderID     string    `json:"order_id"`
	Provider    string    `json:"provider"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Ref         string    `json:"ref,omitempty"` // the provider's checkout reference
	RedirectURL string    `json:"redirect_url,omitempty"`
	MobileURL   string    `json:"mobile_url,omitempty"`
	PaymentID   string    `json:"payment_id,omitempty"` // set once paid
	Failed      string    `json:"failed,omitempty"`     // "declined" or "canceled": this attempt is over
	Refunded    bool      `json:"refunded,omitempty"`
	Begun       time.Time `json:"begun"`
}

// Try is one submission attempt as the admin sees it.
type Try struct {
	Time     time.Time `json:"time"`
	Attempts int       `json:"attempts"` // sends inside the attempt (the middleware's retries)
	Note     string    `json:"note"`     // what happened, in plain words
}

// Revocation is the holder's revocation of a committed claim.
type Revocation struct {
	Revoke chain.Revoke `json:"revoke"`
	Tx     []byte       `json:"tx"`
	TxID   string       `json:"txid"`
	State  string       `json:"state"` // StateApproved (submitting), StateCommitted or StateFailed
	Reason string       `json:"reason,omitempty"`
	Tries  []Try        `json:"tries,omitempty"`
}

// File is an evidence file's bytes, kept off chain.
type File struct {
	FileRef
	ClaimID   string `json:"claim_id"`
	AccountID string `json:"account_id"`
	Data      []byte `json:"data"`
}

// Claims is the part of the store that keeps claims, their files and the
// webhook events already handled.
type Claims interface {
	// CreateClaim stores a new claim with its files, all or nothing.
	CreateClaim(ctx context.Context, c Claim, files []File) error
	Claim(ctx context.Context, id string) (Claim, error)
	// UpdateClaim reads the claim, calls fn on it and stores the result,
	// atomically with every other update of the same store: fn sees the
	// latest version. An error from fn stores nothing and is returned.
	// add files are stored with the update; drop names file IDs to remove.
	UpdateClaim(ctx context.Context, id string, fn func(c *Claim) (add []File, drop []string, err error)) (Claim, error)
	// ClaimsOf returns an account's claims, newest first.
	ClaimsOf(ctx context.Context, accountID string) ([]Claim, error)
	// ClaimsIn returns the claims in any of the states, oldest first (by
	// the time they were paid, then created).
	ClaimsIn(ctx context.Context, states ...string) ([]Claim, error)
	File(ctx context.Context, id string) (File, error)
	// SeenEvent reports whether FirstEvent recorded the event before.
	SeenEvent(ctx context.Context, provider, eventID string) (bool, error)
	// FirstEvent records a webhook event ID of a provider and reports
	// whether it was new; false means a replay.
	FirstEvent(ctx context.Context, provider, eventID string) (bool, error)
}
