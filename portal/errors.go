package portal

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Errors a handler returns. errorPages maps each to a status and a page.
var (
	ErrNotFound        = errors.New("portal: not found")
	ErrChainDown       = errors.New("portal: no replica answered")
	ErrBadAddress      = errors.New("portal: not a wallet address")
	ErrBadTxID         = errors.New("portal: not a TxID")
	ErrBadSearch       = errors.New("portal: not something to search for")
	ErrTooManySearches = errors.New("portal: too many searches")
	ErrLogin           = errors.New("portal: login failed")
	ErrLoginExpired    = errors.New("portal: login attempt unknown or expired")
	ErrEmailUnverified = errors.New("portal: e-mail not verified")
	ErrLoginDown       = errors.New("portal: the login provider cannot be reached")
	ErrCSRF            = errors.New("portal: missing or wrong form token")
	ErrBadLink         = errors.New("portal: the wallet link does not check")
	ErrBadForm         = errors.New("portal: bad form")
)

// userError is an error with the catalog key (and arguments) of the
// sentence that tells the person what was wrong.
type userError struct {
	sentinel error
	key      string
	args     []any // name, value pairs for the message
	detail   string
}

func (e *userError) Error() string { return fmt.Sprintf("%v: %s %v", e.sentinel, e.key, e.detail) }
func (e *userError) Unwrap() error { return e.sentinel }

func userErr(sentinel error, key string, args ...any) error {
	return &userError{sentinel: sentinel, key: key, args: args}
}

// errorPage is how one kind of error is shown.
type errorPage struct {
	err    error
	status int
	title  string // catalog keys
	body   string // used when the error carries no sentence of its own
	next   string // where the page sends the person: "home", "search", "login", "wallet", "retry"
}

// errorPages is the one table from errors to pages; first match wins.
var errorPages = []errorPage{
	{ErrBadAddress, http.StatusBadRequest, "err.address.title", "err.address.body", "search"},
	{ErrBadTxID, http.StatusBadRequest, "err.txid.title", "err.txid.body", "search"},
	{ErrBadSearch, http.StatusBadRequest, "err.search.title", "err.search.body", "search"},
	{ErrTooManySearches, http.StatusTooManyRequests, "err.toomany.title", "err.toomany.body", "home"},
	{ErrNotFound, http.StatusNotFound, "err.notfound.title", "err.notfound.body", "home"},
	{ErrEmailUnverified, http.StatusForbidden, "err.unverified.title", "err.unverified.body", "login"},
	{ErrLoginExpired, http.StatusBadRequest, "err.loginexpired.title", "err.loginexpired.body", "login"},
	{ErrLogin, http.StatusBadRequest, "err.login.title", "err.login.body", "login"},
	{ErrLoginDown, http.StatusServiceUnavailable, "err.logindown.title", "err.logindown.body", "retry"},
	{ErrCSRF, http.StatusForbidden, "err.csrf.title", "err.csrf.body", "home"},
	{store.ErrTaken, http.StatusConflict, "err.taken.title", "err.taken.body", "wallet"},
	{ErrBadLink, http.StatusBadRequest, "err.link.title", "err.link.body", "wallet"},
	{ErrBadForm, http.StatusBadRequest, "err.form.title", "err.form.body", "home"},
	{ErrChainDown, http.StatusServiceUnavailable, "err.chaindown.title", "err.chaindown.body", "retry"},
	{ErrNoCredentials, http.StatusNotFound, "vc.unavailable.title", "vc.unavailable", "home"},
	{ErrNoNetwork, http.StatusNotFound, "net.unconfigured.title", "net.unconfigured", "home"},
	{ErrNotAdmin, http.StatusForbidden, "net.notadmin.title", "net.notadmin", "home"},
}

// internalPage is shown for every error the table does not know.
var internalPage = errorPage{nil, http.StatusInternalServerError, "err.internal.title", "err.internal.body", "home"}

func pageFor(err error) errorPage {
	for _, p := range errorPages {
		if errors.Is(err, p.err) {
			return p
		}
	}
	return internalPage
}

// checkAddress returns the canonical address, or an error that says in
// words what is wrong with s.
func checkAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := chain.ParseAddress(s)
	if err == nil {
		return a, nil
	}
	shown := clip(s)
	switch {
	case errors.Is(err, chain.ErrAddressChecksum):
		return "", userErr(ErrBadAddress, "err.address.checksum", "value", shown)
	case !strings.HasPrefix(strings.ToLower(s), chain.AddressPrefix):
		return "", userErr(ErrBadAddress, "err.address.prefix", "value", shown)
	case len(s) != chain.AddressLen:
		return "", userErr(ErrBadAddress, "err.address.length", "value", shown, "n", len(s), "want", chain.AddressLen)
	default:
		return "", userErr(ErrBadAddress, "err.address.chars", "value", shown)
	}
}

// checkTxID returns the canonical TxID or an error saying what is wrong.
func checkTxID(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !isHex(s) {
		return "", userErr(ErrBadTxID, "err.txid.chars", "value", clip(s))
	}
	if len(s) != 64 {
		return "", userErr(ErrBadTxID, "err.txid.length", "value", clip(s), "n", len(s))
	}
	return s, nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	r := []rune(s)
	if len(r) > 70 {
		return string(r[:70]) + "…"
	}
	return s
}
