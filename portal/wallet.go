package portal

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// LinkTag begins the message a browser signs with a wallet's key to link
// its address to the logged-in account:
//
//	LinkTag + "\n" + challenge + "\n" + address
//
// The challenge is random, fresh on every wallet page and kept in the
// session, so a signature links one address to one session once. Nobody
// can link an address whose key they do not hold (which would make an
// e-mail search lead to someone else's records).
const LinkTag = "careerchain/portal/link/v1"

type walletData struct {
	Wallets   []store.Wallet
	Challenge string
	Linked    string // the address just linked
	Email     string
	Findable  bool
	Saved     bool
}

func (s *Server) walletPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	ws, err := s.o.Store.Wallets(r.Context(), u.account.ID)
	if err != nil {
		return err
	}
	se := u.session
	se.Challenge = randomID()
	if err := s.o.Store.PutSession(r.Context(), se); err != nil {
		return err
	}
	q := r.URL.Query()
	d := walletData{Wallets: ws, Challenge: se.Challenge, Email: u.account.Email, Findable: u.account.Findable, Saved: q.Get("saved") != ""}
	if a, err := checkAddress(q.Get("linked")); err == nil {
		d.Linked = a
	}
	s.render(w, r, http.StatusOK, "wallet", d)
	return nil
}

// walletLink links an address to the account, given its public key and a
// signature over the session's challenge made by its private key.
func (s *Server) walletLink(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	addr, err := checkAddress(f.Get("address"))
	if err != nil {
		return err
	}
	pubHex, sigHex := f.Get("public_key"), f.Get("signature")
	want, err := chain.AddressFromKeyHex(pubHex)
	if err != nil || want != addr {
		return userErr(ErrBadLink, "err.link.key")
	}
	sig, err := hex.DecodeString(sigHex)
	pub, _ := hex.DecodeString(pubHex)
	challenge := u.session.Challenge
	if challenge == "" || f.Get("challenge") != challenge {
		return userErr(ErrBadLink, "err.link.stale")
	}
	msg := []byte(LinkTag + "\n" + challenge + "\n" + addr)
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(ed25519.PublicKey(pub), msg, sig) {
		return userErr(ErrBadLink, "err.link.sig")
	}
	se := u.session
	se.Challenge = "" // used once
	if err := s.o.Store.PutSession(r.Context(), se); err != nil {
		return err
	}
	err = s.o.Store.LinkWallet(r.Context(), store.Wallet{Address: addr, PublicKey: pubHex, AccountID: u.account.ID,
		Linked: s.o.Now(), Imported: f.Get("imported") == "1"})
	if errors.Is(err, store.ErrTaken) {
		return userErr(store.ErrTaken, "err.taken.body", "address", addr)
	}
	if err != nil {
		return err
	}
	s.o.Logger.Info("portal: wallet linked", "account", u.account.ID, "address", addr)
	http.Redirect(w, r, "/wallet?linked="+addr, http.StatusSeeOther)
	return nil
}

// setFindable records whether others may find this account's addresses
// by its verified e-mail.
func (s *Server) setFindable(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	if err := s.o.Store.SetFindable(r.Context(), u.account.ID, r.PostForm.Get("findable") == "on"); err != nil {
		return err
	}
	http.Redirect(w, r, "/wallet?saved=1", http.StatusSeeOther)
	return nil
}
