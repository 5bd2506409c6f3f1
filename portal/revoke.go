package portal

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// revokeView is the page where the holder signs a revocation.
type revokeView struct {
	C       store.Claim
	Claim   chain.Claim
	ChainID string
	Nonce   uint64
	Problem string
}

// revokable loads the holder's committed, not yet revoked claim.
func (s *Server) revokable(r *http.Request, u *user) (store.Claim, error) {
	c, err := s.ownClaim(r, u)
	if err != nil {
		return c, err
	}
	if c.State != store.StateCommitted {
		return c, userErr(ErrWrongState, "err.revoke.state")
	}
	return c, nil
}

func (s *Server) revokePage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	c, err := s.revokable(r, u)
	if err != nil {
		return err
	}
	if c.Revocation != nil {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
		return nil
	}
	nonce, err := chain.NewNonce(rand.Reader)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "revoke", revokeView{C: c, Claim: c.Statement.Claim, ChainID: s.o.Claims.ChainID, Nonce: nonce})
	return nil
}

// revokeClaim takes the holder's signed revocation and submits it. The
// server rebuilds the revocation from the form and the stored record and
// checks the signature against the record's holder key.
func (s *Server) revokeClaim(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	c, err := s.revokable(r, u)
	if err != nil {
		return err
	}
	f := r.PostForm
	reason := strings.TrimSpace(f.Get("reason"))
	if reason == "" || utf8.RuneCountInString(reason) > 280 {
		return userErr(ErrBadForm, "err.revoke.reason")
	}
	nonce, err := strconv.ParseUint(f.Get("nonce"), 10, 64)
	if err != nil || nonce > chain.MaxSafeInteger {
		return userErr(ErrBadForm, "err.form.body")
	}
	rv := chain.Revoke{ChainID: s.o.Claims.ChainID, Nonce: nonce, Target: c.TxID, Reason: reason, By: c.Statement.HolderKey, Sig: strings.TrimSpace(f.Get("sig"))}
	b, err := chain.RevokeSigningBytes(rv)
	sig, err2 := hex.DecodeString(rv.Sig)
	pub, _ := hex.DecodeString(rv.By)
	if err != nil || err2 != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, b, sig) {
		return userErr(ErrBadSignature, "err.sign.bad")
	}
	tx := chain.NewRevokeTx(rv)
	if err := chain.Mine(r.Context(), tx, s.o.Claims.PoWDifficulty); err != nil {
		return err
	}
	raw, err := chain.EncodeTx(tx)
	if err != nil {
		return err
	}
	_, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.Revocation != nil {
			return nil, nil, errPaidAlready // a second click: the first revocation stands
		}
		cur.Revocation = &store.Revocation{Revoke: rv, Tx: raw, TxID: chain.TxID(tx), State: store.StateApproved}
		return nil, nil, nil
	})
	if err != nil && !errors.Is(err, errPaidAlready) {
		return err
	}
	if err == nil {
		s.o.Logger.Info("portal: revocation signed", "claim", c.ID, "target", c.TxID)
		s.wake()
	}
	http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
	return nil
}
