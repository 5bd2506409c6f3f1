package portal

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/sdk/vc"
)

// ErrNoCredentials: this portal has no credential issuer key or genesis.
var ErrNoCredentials = errors.New("portal: credential export is not configured")

// credential exports a career record as a W3C Verifiable Credential 2.0
// signed by Options.CredentialKey (sdk/vc). The credential is made fresh
// for each request; its status is the record's on chain, which a verifier
// reads from the record's proof bundle.
func (s *Server) credential(w http.ResponseWriter, r *http.Request) error {
	id, err := checkTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return err
	}
	if s.o.CredentialKey == nil || s.trust == nil {
		return userErr(ErrNoCredentials, "vc.unavailable")
	}
	v, err := s.txOf(r)
	if err != nil {
		return err
	}
	if v.Tx == nil || v.Tx.Career == nil || v.Result != "accepted" {
		return userErr(ErrNotFound, "vc.notrecord")
	}
	b, err := vc.Issue(vc.Record{ChainID: s.trust.chainID, TxID: v.TxID, Height: v.Height, BlockHash: v.Block.Digest, BlockTime: v.Block.Time,
		Career: v.Tx.Career, PageURL: s.shareURL(v.TxID), Context: s.o.PublicURL + "/ns/career/v1"}, s.o.CredentialKey, s.o.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vc")
	w.Header().Set("Content-Disposition", `attachment; filename="careerchain-credential-`+id[:16]+`.json"`)
	w.Write(b)
	return nil
}

// careerContext is the JSON-LD context the credentials name second: the
// terms of a career credential (Verifiable Credentials 2.0 has no @vocab).
func (s *Server) careerContext(w http.ResponseWriter, r *http.Request) {
	base := s.o.PublicURL + "/ns/career/v1#"
	terms := []string{"CareerCredential", "CareerchainRecord", "CareerchainRecordStatus", "walletAddress", "role", "organisation",
		"startDate", "endDate", "skills", "chainId", "txid", "height", "blockHash"}
	ctx := `{"@context":{"@protected":true`
	for _, t := range terms {
		ctx += `,"` + t + `":"` + base + t + `"`
	}
	ctx += "}}\n"
	w.Header().Set("Content-Type", "application/ld+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write([]byte(ctx))
}
