// Package store holds the portal's own data — accounts, the links between
// an account's verified e-mail and its wallet addresses, sessions, login
// attempts, career claims with their evidence files and payments, and the
// payment webhooks already handled — behind the Store interface, so that the embedded bbolt
// store (Open) can be joined later by a PostgreSQL one for several portal
// instances without touching a handler.
//
// Invariants:
//   - Nothing here goes on chain; e-mail addresses stay in this store.
//   - An account is identified by its issuer and subject, never by its
//     e-mail: an e-mail is an attribute that the issuer vouches for.
//   - A wallet address is linked to at most one account.
//   - FindByEmail answers only for accounts that are findable and whose
//     e-mail the issuer verified.
//   - A login attempt is taken once: TakeLogin deletes it.
//   - A claim changes state only inside UpdateClaim, which sees the
//     latest version: two requests racing for one step cannot both take it.
//   - A webhook event ID is recorded once (FirstEvent).
//   - Every method is safe for concurrent use.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Errors of a Store.
var (
	// ErrNotFound: no such account, session or login attempt (or it expired).
	ErrNotFound = errors.New("store: not found")
	// ErrTaken: the wallet address is linked to another account.
	ErrTaken = errors.New("store: address linked to another account")
)

// Account is one person, as an OpenID Connect issuer knows them.
type Account struct {
	ID            string    `json:"id"` // AccountID(Issuer, Subject)
	Issuer        string    `json:"issuer"`
	Subject       string    `json:"subject"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	Name          string    `json:"name,omitempty"`
	Findable      bool      `json:"findable"` // others may find this account's addresses by its e-mail
	Created       time.Time `json:"created"`
	LastLogin     time.Time `json:"last_login"`
}

// Wallet is an address linked to an account. The portal holds only the
// public half; the private key stays in the person's key file.
type Wallet struct {
	Address   string    `json:"address"`
	PublicKey string    `json:"public_key"`
	AccountID string    `json:"account_id"`
	Linked    time.Time `json:"linked"`
	Imported  bool      `json:"imported"` // from an existing key file rather than made here
}

// Session is a logged-in browser. ID is the random value of its cookie.
type Session struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	CSRF      string    `json:"csrf"`
	Challenge string    `json:"challenge,omitempty"` // the wallet-link challenge last shown
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"` // the absolute end; idle expiry is the caller's
}

// LoginAttempt is what the portal remembers between sending a browser to
// the issuer and its return: the state, the nonce and the PKCE verifier.
type LoginAttempt struct {
	ID       string    `json:"id"` // the value of the browser's login cookie
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"` // local path to return to
	Expires  time.Time `json:"expires"`
}

// Store is the portal's data. Implementations are safe for concurrent use.
type Store interface {
	// UpsertAccount creates the account of a.Issuer and a.Subject or
	// updates its e-mail, name and last login; Findable and Created are
	// kept from the stored account. It returns the stored account.
	UpsertAccount(ctx context.Context, a Account) (Account, error)
	Account(ctx context.Context, id string) (Account, error)
	SetFindable(ctx context.Context, accountID string, on bool) error
	// LinkWallet links w.Address to w.AccountID; linking it again to the
	// same account is a no-op, to another is ErrTaken.
	LinkWallet(ctx context.Context, w Wallet) error
	Wallets(ctx context.Context, accountID string) ([]Wallet, error)
	// FindByEmail returns the addresses of the findable accounts whose
	// verified e-mail is exactly email (compared without case).
	FindByEmail(ctx context.Context, email string) ([]string, error)

	PutSession(ctx context.Context, s Session) error
	// Session returns the session, ErrNotFound if it is unknown or past
	// its absolute expiry.
	Session(ctx context.Context, id string) (Session, error)
	DeleteSession(ctx context.Context, id string) error

	PutLogin(ctx context.Context, l LoginAttempt) error
	// TakeLogin returns the attempt and deletes it; ErrNotFound if it is
	// unknown, taken or expired.
	TakeLogin(ctx context.Context, id string) (LoginAttempt, error)

	Claims // claims, evidence files and webhook events (claims.go)

	Close() error
}

// AccountID returns the account ID of an issuer's subject.
func AccountID(issuer, subject string) string {
	sum := sha256.Sum256([]byte(issuer + "\n" + subject))
	return hex.EncodeToString(sum[:16])
}

// NormEmail is the form e-mails are indexed and looked up in.
func NormEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
