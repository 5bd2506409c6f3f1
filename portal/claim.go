package portal

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// Errors of the claim flow, each shown as a page that says what to do.
var (
	ErrBadClaim     = errors.New("portal: the claim form has a problem")
	ErrBadSignature = errors.New("portal: the signature does not verify")
	ErrWrongState   = errors.New("portal: the claim is not at this step")
	ErrPayment      = errors.New("portal: the payment did not go through")
	ErrForbidden    = errors.New("portal: only admins may do this")
)

// claimRoutes registers the claim, payment and review pages.
func (s *Server) claimRoutes(r chi.Router) {
	if s.o.Claims == nil {
		return
	}
	r.Get("/careers", s.adapt(s.myCareers))
	r.Get("/careers/new", s.adapt(s.newClaimPage))
	r.Post("/careers/new", s.adapt(s.createClaim))
	r.Get("/careers/{id}", s.adapt(s.claimPage))
	r.Get("/careers/{id}/edit", s.adapt(s.editClaimPage))
	r.Post("/careers/{id}/edit", s.adapt(s.editClaim))
	r.Get("/careers/{id}/sign", s.adapt(s.signPage))
	r.Post("/careers/{id}/sign", s.adapt(s.signClaim))
	r.Post("/careers/{id}/pay", s.adapt(s.payClaim))
	r.Get("/careers/{id}/checkout", s.adapt(s.checkoutPage))
	r.Get("/careers/{id}/paid", s.adapt(s.payReturn))
	r.Get("/careers/{id}/revoke", s.adapt(s.revokePage))
	r.Post("/careers/{id}/revoke", s.adapt(s.revokeClaim))
	r.Get("/files/{id}", s.adapt(s.evidenceFile))
	r.Post("/pay/webhook/{provider}", s.webhook)
	r.Get("/review", s.adapt(s.reviewQueue))
	r.Get("/review/{id}", s.adapt(s.reviewPage))
	r.Post("/review/{id}/approve", s.adapt(s.approveClaim))
	r.Post("/review/{id}/reject", s.adapt(s.rejectClaim))
}

// claimPages are the claim flow's templates.
var claimPages = []string{"careers", "claimform", "claim", "sign", "checkout", "revoke", "review", "reviewclaim"}

// Evidence types accepted, by what the bytes are (http.DetectContentType)
// and the file name's extension.
var evidenceTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"text/plain":      {".txt"},
}

// ownClaim loads a claim of the logged-in user: another account's claim
// is "not found", so its existence does not leak.
func (s *Server) ownClaim(r *http.Request, u *user) (store.Claim, error) {
	c, err := s.o.Store.Claim(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.AccountID != u.account.ID) {
		return store.Claim{}, userErr(ErrNotFound, "err.claim.notfound")
	}
	return c, err
}

// claimForm is what the new-career form shows and posts.
type claimForm struct {
	ID           string // empty for a new claim
	Wallets      []store.Wallet
	Wallet       string
	Role         string
	Organisation string
	Start, End   string
	Description  string
	Skills       string
	Files        []store.FileRef
	Amends       string // TxID of the record this amends
	AmendsClaim  string
	Problem      string // what is wrong, in words, when the form comes back
	MaxFiles     int
	MaxBytes     int64
	MaxSize      string // MaxBytes in words
	Types        string
}

func (s *Server) formData(r *http.Request, u *user) (claimForm, error) {
	ws, err := s.o.Store.Wallets(r.Context(), u.account.ID)
	if err != nil {
		return claimForm{}, err
	}
	f := claimForm{Wallets: ws, MaxFiles: s.o.Claims.MaxFiles, MaxBytes: s.o.Claims.MaxFileSize, MaxSize: sizeWords(s.o.Claims.MaxFileSize), Types: "PDF, PNG, JPEG, TXT"}
	if len(ws) > 0 {
		f.Wallet = ws[len(ws)-1].Address
	}
	return f, nil
}

func (s *Server) newClaimPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	f, err := s.formData(r, u)
	if err != nil {
		return err
	}
	if id := r.URL.Query().Get("amend"); id != "" {
		old, err := s.ownClaim(r.WithContext(withURLParam(r.Context(), "id", id)), u)
		if err != nil {
			return err
		}
		if old.State != store.StateCommitted || old.Revocation != nil {
			return userErr(ErrWrongState, "err.claim.amend")
		}
		c := old.Statement.Claim
		f.Wallet, f.Role, f.Organisation, f.Start, f.End, f.Description = old.Statement.Holder, c.Role, c.Organisation, c.Start, c.End, c.Description
		f.Skills, f.Amends, f.AmendsClaim = strings.Join(c.Skills, ", "), old.TxID, old.ID
	}
	s.render(w, r, http.StatusOK, "claimform", f)
	return nil
}

func withURLParam(ctx context.Context, k, v string) context.Context {
	rc := chi.NewRouteContext()
	rc.URLParams.Add(k, v)
	return context.WithValue(ctx, chi.RouteCtxKey, rc)
}

// checkUpload authorises a multipart post like checkPost, with room for
// the evidence files.
func (s *Server) checkUpload(w http.ResponseWriter, r *http.Request) (*user, error) {
	if err := sameOrigin(r, s.o.PublicURL); err != nil {
		return nil, err
	}
	co := s.o.Claims
	r.Body = http.MaxBytesReader(w, r.Body, int64(co.MaxFiles)*co.MaxFileSize+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, userErr(ErrBadClaim, "err.claim.toobig", "n", co.MaxFiles, "size", sizeWords(co.MaxFileSize))
		}
		return nil, userErr(ErrBadForm, "err.form.body")
	}
	u := userFrom(r.Context())
	if u == nil {
		return nil, userErr(ErrCSRF, "err.csrf.nosession")
	}
	tok := r.PostFormValue("csrf")
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(u.session.CSRF)) != 1 {
		return nil, userErr(ErrCSRF, "err.csrf.body")
	}
	return u, nil
}

// readClaimForm reads the form's fields and files. A problem comes back
// as a sentence (catalog key and args) to show above the filled-in form.
func (s *Server) readClaimForm(r *http.Request, f *claimForm, claimID, accountID string) ([]store.File, *userError) {
	v := r.PostForm
	f.Wallet, f.Role, f.Organisation = strings.TrimSpace(v.Get("wallet")), strings.TrimSpace(v.Get("role")), strings.TrimSpace(v.Get("organisation"))
	f.Start, f.End, f.Description, f.Skills = v.Get("start"), v.Get("end"), strings.TrimSpace(v.Get("description")), v.Get("skills")
	f.Amends = v.Get("amends")
	bad := func(key string, args ...any) *userError {
		return &userError{sentinel: ErrBadClaim, key: key, args: args}
	}
	if !slices.ContainsFunc(f.Wallets, func(w store.Wallet) bool { return w.Address == f.Wallet }) {
		return nil, bad("err.claim.wallet")
	}
	if f.Role == "" || f.Organisation == "" || f.Start == "" {
		return nil, bad("err.claim.required")
	}
	var hashes []string
	if h := strings.TrimSpace(v.Get("evidence_sha256")); h != "" {
		hashes = strings.Split(h, ",")
	}
	var heads []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			if fh.Filename != "" {
				heads = append(heads, fh)
			}
		}
	}
	kept := len(f.Files)
	if kept+len(heads) > s.o.Claims.MaxFiles {
		return nil, bad("err.claim.files.many", "n", s.o.Claims.MaxFiles)
	}
	if len(hashes) > 0 && len(hashes) != len(heads) {
		return nil, bad("err.claim.files.hash", "name", "")
	}
	var out []store.File
	for i, fh := range heads {
		name := path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
		if fh.Size > s.o.Claims.MaxFileSize {
			return nil, bad("err.claim.files.size", "name", clip(name), "size", sizeWords(s.o.Claims.MaxFileSize))
		}
		data, err := readPart(fh, s.o.Claims.MaxFileSize)
		if err != nil {
			return nil, bad("err.claim.files.size", "name", clip(name), "size", sizeWords(s.o.Claims.MaxFileSize))
		}
		typ := strings.TrimSuffix(strings.Split(http.DetectContentType(data), ";")[0], " ")
		exts, ok := evidenceTypes[typ]
		if !ok || !slices.Contains(exts, strings.ToLower(path.Ext(name))) {
			return nil, bad("err.claim.files.type", "name", clip(name))
		}
		sum := sha256.Sum256(data)
		digest := hex.EncodeToString(sum[:])
		if len(hashes) > 0 && strings.ToLower(strings.TrimSpace(hashes[i])) != digest {
			return nil, bad("err.claim.files.hash", "name", clip(name))
		}
		ref := store.FileRef{ID: randomID()[:32], Name: name, Type: typ, Size: int64(len(data)), SHA256: digest}
		out = append(out, store.File{FileRef: ref, ClaimID: claimID, AccountID: accountID, Data: data})
	}
	return out, nil
}

// sizeWords writes a file size limit for people: "5 MB", "64 KB".
func sizeWords(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", (n+1023)>>10)
}

func readPart(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	fd, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	b, err := io.ReadAll(io.LimitReader(fd, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = errors.New("file over the limit")
	}
	return b, err
}

// statementOf builds the draft's statement from the form.
func (s *Server) statementOf(f *claimForm, w store.Wallet, nonce uint64, files []store.FileRef) chain.Statement {
	var skills []string
	for _, sk := range strings.Split(f.Skills, ",") {
		if sk = strings.TrimSpace(sk); sk != "" {
			skills = append(skills, sk)
		}
	}
	var ev []string
	for _, fr := range files {
		ev = append(ev, "sha256:"+fr.SHA256)
	}
	st := chain.Statement{ChainID: s.o.Claims.ChainID, Type: chain.TypeRegister, Nonce: nonce, Holder: w.Address, HolderKey: w.PublicKey,
		Claim: chain.Claim{Role: f.Role, Organisation: f.Organisation, Start: f.Start, End: f.End, Description: f.Description, Skills: skills, Evidence: ev}}
	if f.Amends != "" {
		st.Type, st.Supersedes = chain.TypeAmend, f.Amends
	}
	return st
}

func (s *Server) createClaim(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkUpload(w, r)
	if err != nil {
		return err
	}
	f, err := s.formData(r, u)
	if err != nil {
		return err
	}
	id := randomID()[:32]
	files, ue := s.readClaimForm(r, &f, id, u.account.ID)
	if ue == nil && f.Amends != "" {
		ue = s.checkAmends(r.Context(), u, f.Amends)
	}
	if ue != nil {
		f.Problem = s.cats[pickLang(r)].T(ue.key, ue.args...)
		s.render(w, r, http.StatusBadRequest, "claimform", f)
		return nil
	}
	wal := f.Wallets[slices.IndexFunc(f.Wallets, func(x store.Wallet) bool { return x.Address == f.Wallet })]
	nonce, err := chain.NewNonce(rand.Reader)
	if err != nil {
		return err
	}
	var refs []store.FileRef
	for _, fl := range files {
		refs = append(refs, fl.FileRef)
	}
	c := store.Claim{ID: id, AccountID: u.account.ID, State: store.StateDraft, Statement: s.statementOf(&f, wal, nonce, refs), Files: refs}
	if err := s.o.Store.CreateClaim(r.Context(), c, files); err != nil {
		return err
	}
	s.o.Logger.Info("portal: claim drafted", "claim", id, "account", u.account.ID)
	http.Redirect(w, r, "/careers/"+id+"?saved=1", http.StatusSeeOther)
	return nil
}

// checkAmends makes sure an amendment names a committed, unrevoked record
// of the same account.
func (s *Server) checkAmends(ctx context.Context, u *user, txid string) *userError {
	cs, err := s.o.Store.ClaimsOf(ctx, u.account.ID)
	if err == nil {
		for _, c := range cs {
			if c.TxID == txid && c.State == store.StateCommitted && c.Revocation == nil {
				return nil
			}
		}
	}
	return &userError{sentinel: ErrBadClaim, key: "err.claim.amend"}
}

func (s *Server) editClaimPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	_, f, err := s.ownDraft(r, u)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "claimform", f)
	return nil
}

// ownDraft loads the user's draft and the form filled with it.
func (s *Server) ownDraft(r *http.Request, u *user) (store.Claim, claimForm, error) {
	c, err := s.ownClaim(r, u)
	if err != nil {
		return c, claimForm{}, err
	}
	if c.State != store.StateDraft {
		return c, claimForm{}, userErr(ErrWrongState, "err.claim.notdraft")
	}
	f, err := s.formData(r, u)
	if err == nil {
		fillForm(&f, c)
	}
	return c, f, err
}

func fillForm(f *claimForm, c store.Claim) {
	cl := c.Statement.Claim
	f.ID, f.Wallet, f.Role, f.Organisation, f.Start, f.End = c.ID, c.Statement.Holder, cl.Role, cl.Organisation, cl.Start, cl.End
	f.Description, f.Skills, f.Files, f.Amends = cl.Description, strings.Join(cl.Skills, ", "), c.Files, c.Statement.Supersedes
}

func (s *Server) editClaim(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkUpload(w, r)
	if err != nil {
		return err
	}
	c, f, err := s.ownDraft(r, u)
	if err != nil {
		return err
	}
	removed := r.PostForm["remove"]
	f.Files = slices.DeleteFunc(slices.Clone(c.Files), func(fr store.FileRef) bool { return slices.Contains(removed, fr.ID) })
	files, ue := s.readClaimForm(r, &f, c.ID, u.account.ID)
	f.Amends = c.Statement.Supersedes // an amendment's target is fixed at its start
	if ue != nil {
		f.Problem = s.cats[pickLang(r)].T(ue.key, ue.args...)
		s.render(w, r, http.StatusBadRequest, "claimform", f)
		return nil
	}
	wal := f.Wallets[slices.IndexFunc(f.Wallets, func(x store.Wallet) bool { return x.Address == f.Wallet })]
	_, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.State != store.StateDraft {
			return nil, nil, userErr(ErrWrongState, "err.claim.notdraft")
		}
		var drop []string
		refs := slices.DeleteFunc(slices.Clone(cur.Files), func(fr store.FileRef) bool {
			if slices.Contains(removed, fr.ID) {
				drop = append(drop, fr.ID)
				return true
			}
			return false
		})
		for _, fl := range files {
			refs = append(refs, fl.FileRef)
		}
		cur.Files = refs
		// A new nonce: a signature made for an earlier version of the draft
		// never fits the edited one.
		nonce, err := chain.NewNonce(rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		cur.Statement = s.statementOf(&f, wal, nonce, refs)
		return files, drop, nil
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/careers/"+c.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// verdict is a plugin's result as a person reads it.
type verdict struct {
	Plugin  string
	Kind    string // "validator", "payment" or "scorer"
	OK      bool
	Words   string // the reason in the page's language
	Reason  string // the plugin's own words
	Score   string // for a scorer: "87 %"
	Skipped bool   // the plugin could not be run here
}

// check runs the chain's plugins on the claim's transaction as it stands.
func (s *Server) check(ctx context.Context, lang string, c store.Claim, tx *chain.Tx) (vs []verdict, ok bool) {
	if tx == nil {
		tx = chain.NewCareerTx(c.Statement, c.HolderSig, receiptOf(c), chain.Attestation{})
	}
	res, err := s.o.Claims.Submitter.Check(ctx, tx)
	cat := s.cats[lang]
	ok = err == nil || !errors.Is(err, middleware.ErrRejected)
	for _, r := range res {
		v := verdict{Plugin: r.Plugin, OK: r.Verdict != middleware.Reject, Reason: r.Reason, Skipped: r.Verdict == middleware.Abstain}
		switch {
		case strings.HasPrefix(r.Plugin, "payment-"):
			v.Kind = "payment"
		case strings.Contains(r.Plugin, "scorer"):
			v.Kind = "scorer"
			v.Score = fmt.Sprintf("%d %%", r.ScorePPM/10000)
		default:
			v.Kind = "validator"
		}
		switch {
		case v.Skipped:
			v.Words = cat.T("verdict.skipped")
		case v.OK:
			v.Words = cat.T("verdict.ok." + v.Kind)
		default:
			key := "verdict.code." + r.Code
			if _, known := cat[key]; !known {
				key = "verdict.code.other"
			}
			v.Words = cat.T(key)
		}
		vs = append(vs, v)
	}
	if err != nil && len(res) == 0 {
		s.o.Logger.Warn("portal: plugin check", "claim", c.ID, "err", err)
		vs = append(vs, verdict{Plugin: "-", Kind: "validator", OK: ok, Words: cat.T("verdict.unavailable"), Skipped: true})
	}
	return vs, ok
}

func receiptOf(c store.Claim) chain.Receipt {
	if c.Receipt != nil {
		return *c.Receipt
	}
	return chain.Receipt{}
}

// claimView is what the claim page shows.
type claimView struct {
	C         store.Claim
	Claim     chain.Claim
	Verdicts  []verdict
	CanSign   bool
	Fee       string
	Providers []string
	Saved     bool
	Note      string // a sentence about the last step (payment canceled, …)
	Refresh   bool   // the page reloads itself while the chain works
	Revoked   bool
}

func (s *Server) claimPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	lang := pickLang(r)
	d := claimView{C: c, Claim: c.Statement.Claim, Fee: s.fee(), Saved: r.URL.Query().Get("saved") != ""}
	for _, p := range s.o.Claims.Providers {
		d.Providers = append(d.Providers, p.Name())
	}
	if c.State == store.StateDraft {
		d.Verdicts, d.CanSign = s.check(r.Context(), lang, c, nil)
	}
	if c.Payment != nil && c.Payment.Failed != "" && (c.State == store.StateSigned || c.State == store.StatePaying) {
		d.Note = s.cats[lang].T("claim.pay." + c.Payment.Failed)
	}
	d.Refresh = c.State == store.StateApproved || (c.Revocation != nil && c.Revocation.State == store.StateApproved)
	d.Revoked = c.Revocation != nil && c.Revocation.State == store.StateCommitted
	s.render(w, r, http.StatusOK, "claim", d)
	return nil
}

func (s *Server) fee() string { return formatMoney(s.o.Claims.Fee, s.o.Claims.Currency) }

// signView is the consent page: the statement in words and in bytes.
type signView struct {
	C         store.Claim
	Claim     chain.Claim
	Fee       string
	Statement string // the statement as JSON, for the page's script
	Bytes     string // the exact bytes signed
	Digest    string
}

func (s *Server) signPage(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	if c.State != store.StateDraft {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
		return nil
	}
	b, err := chain.StatementSigningBytes(c.Statement)
	if err != nil {
		return userErr(ErrBadClaim, "err.claim.canonical")
	}
	js, err := chain.Canonical(c.Statement)
	if err != nil {
		return userErr(ErrBadClaim, "err.claim.canonical")
	}
	s.render(w, r, http.StatusOK, "sign", signView{C: c, Claim: c.Statement.Claim, Fee: s.fee(), Statement: string(js), Bytes: string(b), Digest: c.Statement.Digest()})
	return nil
}

// signClaim takes the holder's signature over the statement. It is
// stored only if it verifies against the statement as stored now, by the
// key the statement names (the linked wallet's).
func (s *Server) signClaim(w http.ResponseWriter, r *http.Request) error {
	u, err := s.checkPost(r)
	if err != nil {
		return err
	}
	c, err := s.ownClaim(r, u)
	if err != nil {
		return err
	}
	if c.State != store.StateDraft {
		http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther) // signed already: a second click
		return nil
	}
	if r.PostForm.Get("consent") != "yes" {
		return userErr(ErrBadSignature, "err.sign.consent")
	}
	sigHex := strings.TrimSpace(r.PostForm.Get("holder_sig"))
	digest := r.PostForm.Get("digest")
	_, err = s.o.Store.UpdateClaim(r.Context(), c.ID, func(cur *store.Claim) ([]store.File, []string, error) {
		if cur.State != store.StateDraft {
			return nil, nil, errSignedAlready
		}
		if digest != cur.Statement.Digest() {
			return nil, nil, userErr(ErrBadSignature, "err.sign.changed")
		}
		if err := verifyHolder(cur.Statement, sigHex); err != nil {
			return nil, nil, err
		}
		cur.HolderSig, cur.State = sigHex, store.StateSigned
		return nil, nil, nil
	})
	if err != nil && !errors.Is(err, errSignedAlready) {
		return err
	}
	if err == nil {
		s.o.Logger.Info("portal: claim signed", "claim", c.ID)
	}
	http.Redirect(w, r, "/careers/"+c.ID, http.StatusSeeOther)
	return nil
}

var errSignedAlready = errors.New("portal: signed already")

func verifyHolder(st chain.Statement, sigHex string) error {
	sig, err := hex.DecodeString(sigHex)
	pub, err2 := hex.DecodeString(st.HolderKey)
	b, err3 := chain.StatementSigningBytes(st)
	if err != nil || err2 != nil || err3 != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize ||
		!ed25519.Verify(ed25519.PublicKey(pub), b, sig) {
		return userErr(ErrBadSignature, "err.sign.bad")
	}
	return nil
}

// evidenceFile serves an evidence file to its owner and to admins, as a
// download (never rendered in the portal's origin).
func (s *Server) evidenceFile(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	f, err := s.o.Store.File(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.AccountID != u.account.ID && !u.admin) {
		return userErr(ErrNotFound, "err.claim.file")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", f.Type)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Write(f.Data)
	return nil
}

// myCareers lists the account's claims with their states.
func (s *Server) myCareers(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	cs, err := s.o.Store.ClaimsOf(r.Context(), u.account.ID)
	if err != nil {
		return err
	}
	ws, err := s.o.Store.Wallets(r.Context(), u.account.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "careers", struct {
		Claims  []store.Claim
		Wallets int
	}{cs, len(ws)})
	return nil
}
