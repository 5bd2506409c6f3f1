package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Step names, in the order Verify runs them.
const (
	StepFormat      = "format"
	StepMembership  = "membership history"
	StepKeys        = "key history"
	StepHolder      = "holder signature"
	StepReceipt     = "payment receipt"
	StepAttestation = "attestation"
	StepInclusion   = "Merkle inclusion"
	StepBlockHash   = "block hash"
	StepCertificate = "commit certificate"
	StepStatus      = "status"
)

// steps lists the step names in the order Verify runs them. The histories
// come first: the key history needs the membership history (a key change's
// certificate is checked against the membership in force), and the
// receipt and attestation steps need the key sets it proves. The receipt
// comes before the attestation because the attestation signs the receipt's
// digest: a changed amount is then reported as the receipt's fault.
var steps = [...]string{StepFormat, StepMembership, StepKeys, StepHolder, StepReceipt, StepAttestation, StepInclusion, StepBlockHash, StepCertificate, StepStatus}

// Steps returns the names of the steps Verify runs, in order.
func Steps() []string { return steps[:] }

// Step is the result of one check: its name, whether it passed, and one
// sentence for a person that says what was checked or what was wrong.
type Step struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Text string `json:"text"`
}

// Report is the outcome of Verify: the steps that ran, in order. Verify
// stops at the first step that fails, so only the last step can have
// failed.
type Report struct {
	Steps []Step `json:"steps"`
	// Latest is the last key set the bundle proves (the trust anchor's,
	// extended by every key change of the bundle), set once the key
	// history step passed. Credential issuers are judged by it: a
	// credential is signed after its record, by a key in force then.
	Latest *KeySet `json:"-"`
}

// OK reports whether every step ran and passed.
func (r Report) OK() bool {
	if len(r.Steps) != len(steps) {
		return false
	}
	for _, s := range r.Steps {
		if !s.OK {
			return false
		}
	}
	return true
}

// Failed returns the step that failed, if one did.
func (r Report) Failed() (Step, bool) {
	for _, s := range r.Steps {
		if !s.OK {
			return s, true
		}
	}
	return Step{}, false
}

// String returns the report as lines "ok|FAIL name: text".
func (r Report) String() string {
	var b strings.Builder
	for _, s := range r.Steps {
		mark := "ok  "
		if !s.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, s.Name, s.Text)
	}
	return b.String()
}

// VerifyJSON decodes a bundle with DecodeBundle and verifies it; a bundle
// that does not decode fails the format step.
func VerifyJSON(b []byte, g Trust) Report {
	bd, err := DecodeBundle(b)
	if err != nil {
		return Report{Steps: []Step{{Name: StepFormat, Text: sentence("The proof bundle cannot be read: %v", err)}}}
	}
	return Verify(bd, g)
}

// Verify checks a proof bundle against the trust anchor g and reports each
// step; see the package documentation for what each step proves and what
// no bundle can. It never panics on any bundle and keeps no state.
func Verify(b *Bundle, g Trust) Report {
	v := &verification{b: b, g: &g, mv: &pbft.MLDSAVerifier{}}
	var r Report
	for _, run := range []struct {
		name string
		f    func() (string, error)
	}{
		{StepFormat, v.format},
		{StepMembership, v.membership},
		{StepKeys, v.keyHistory},
		{StepHolder, v.holder},
		{StepReceipt, v.receipt},
		{StepAttestation, v.attestation},
		{StepInclusion, v.inclusion},
		{StepBlockHash, v.blockHash},
		{StepCertificate, v.certificate},
		{StepStatus, v.status},
	} {
		text, err := run.f()
		if err != nil {
			r.Steps = append(r.Steps, Step{Name: run.name, Text: sentence("%v", err)})
			return r
		}
		r.Steps = append(r.Steps, Step{Name: run.name, OK: true, Text: text})
		if run.name == StepKeys {
			last := v.keys[len(v.keys)-1].set
			r.Latest = &last
		}
	}
	return r
}

// verification is the state of one Verify call; each step fills what the
// next ones use.
type verification struct {
	b  *Bundle
	g  *Trust
	mv pbft.Verifier

	rec     proven   // the record
	ev      proven   // the status evidence, if any
	changes []proven // the key changes
	history []epoch
	keys    []keyEpoch // the key history, from the key history step on
}

// proven is an inclusion with its parts decoded.
type proven struct {
	inc    *Inclusion
	id     [32]byte
	tx     *chain.Tx
	cert   *pbft.Certificate
	config *pbft.Membership // the header's, on a reconfiguration block
}

// epoch is a membership and the height from which it is in force.
type epoch struct {
	from uint64
	m    *pbft.Membership
}

func (v *verification) format() (string, error) {
	b := v.b
	switch {
	case b == nil:
		return "", errors.New("there is no proof bundle")
	case b.Version != Version:
		return "", fmt.Errorf("the bundle has format version %d; this verifier reads version %d", b.Version, Version)
	}
	if err := v.g.validate(); err != nil {
		return "", err
	}
	if b.ChainID != v.g.ChainID {
		return "", fmt.Errorf("the bundle is for chain %q, not for chain %q whose genesis you trust", clip(b.ChainID), v.g.ChainID)
	}
	if err := v.rec.decode(&b.Inclusion, "the record"); err != nil {
		return "", err
	}
	tx := v.rec.tx
	if tx.Type != chain.TypeRegister && tx.Type != chain.TypeAmend {
		return "", fmt.Errorf("transaction %s is a %s, not a career record", b.TxID, tx.Type)
	}
	if err := tx.CheckForm(formParams(v.g, tx)); err != nil {
		return "", fmt.Errorf("the record's transaction is not well-formed: %w", err)
	}
	for i := range b.Memberships {
		c := &b.Memberships[i]
		if c.Block.Config == nil {
			return "", fmt.Errorf("membership change %d (block %d) names no membership", i+1, c.Block.Height)
		}
		if _, err := c.Block.Digest(); err != nil {
			return "", fmt.Errorf("membership change %d is malformed: %w", i+1, err)
		}
		if _, err := c.Certificate.pbftCertificate(); err != nil {
			return "", fmt.Errorf("the certificate of membership change %d is malformed: %w", i+1, err)
		}
	}
	v.changes = make([]proven, len(b.KeyChanges))
	for i := range b.KeyChanges {
		p := &v.changes[i]
		what := fmt.Sprintf("key change %d", i+1)
		if err := p.decode(&b.KeyChanges[i], what); err != nil {
			return "", err
		}
		if p.tx.Type != chain.TypeConfig || p.tx.Config.Keys == nil {
			return "", fmt.Errorf("%s (%s) is a %s that changes no key set", what, b.KeyChanges[i].TxID, p.tx.Type)
		}
		if err := p.tx.CheckForm(formParams(v.g, p.tx)); err != nil {
			return "", fmt.Errorf("%s is not well-formed: %w", what, err)
		}
	}
	s := &b.Status
	switch s.State {
	case StateActive:
	case StateAmended, StateRevoked:
		if s.Evidence == nil {
			return "", fmt.Errorf("the status says %s but the bundle carries no %s transaction to prove it", s.State, evidenceKind(s.State))
		}
		if err := v.ev.decode(s.Evidence, "the "+evidenceKind(s.State)); err != nil {
			return "", err
		}
		if err := v.ev.tx.CheckForm(formParams(v.g, v.ev.tx)); err != nil {
			return "", fmt.Errorf("the %s is not well-formed: %w", evidenceKind(s.State), err)
		}
	default:
		return "", fmt.Errorf("the status %q is none of active, amended, revoked", clip(s.State))
	}
	return fmt.Sprintf("The bundle is well-formed and holds %s transaction %s of chain %s.", tx.Type, b.TxID, b.ChainID), nil
}

// decode checks an inclusion's form: the transaction is canonical, its id
// is the one claimed, the header and certificate parse.
func (p *proven) decode(inc *Inclusion, what string) error {
	p.inc = inc
	tx, err := chain.DecodeTx(inc.Tx, MaxTxBytes)
	if err != nil {
		return fmt.Errorf("%s is not a transaction in canonical form: %w", what, err)
	}
	p.tx, p.id = tx, sha256.Sum256(inc.Tx)
	if got := hex.EncodeToString(p.id[:]); got != inc.TxID {
		return fmt.Errorf("%s claims TxID %s but its bytes hash to %s", what, clip(inc.TxID), got)
	}
	if _, err := decodeHash(inc.Block.TxRoot); err != nil {
		return fmt.Errorf("the transaction root of block %d is malformed: %w", inc.Block.Height, err)
	}
	if inc.Block.Config != nil {
		if p.config, err = inc.Block.Config.pbftMembership(); err != nil {
			return fmt.Errorf("the membership in block %d is malformed: %w", inc.Block.Height, err)
		}
	}
	if p.cert, err = inc.Certificate.pbftCertificate(); err != nil {
		return fmt.Errorf("the certificate of block %d is malformed: %w", inc.Block.Height, err)
	}
	return nil
}

// formParams returns parameters for CheckForm that allow the
// transaction's own attester, issuer and config signer: whether the keys
// in force allow them is the question of the attestation, receipt and key
// history steps.
func formParams(g *Trust, tx *chain.Tx) chain.Params {
	p := chain.Params{ChainID: g.ChainID, MaxTxBytes: MaxTxBytes}
	if c := tx.Career; c != nil {
		p.Attesters = map[string]bool{c.Attestation.Attester: true}
		p.PaymentIssuers = map[string]bool{c.Receipt.Issuer: true}
	}
	if c := tx.Config; c != nil {
		p.ConfigSigners = map[string]bool{c.Signer: true}
	}
	return p
}

func (v *verification) holder() (string, error) {
	c := v.rec.tx.Career
	if err := c.CheckHolderSig(); err != nil {
		return "", fmt.Errorf("the holder's signature over the claim is not valid: %w", err)
	}
	cl := &c.Statement.Claim
	return fmt.Sprintf("Holder %s signed the claim %q at %q with the key that address belongs to.", c.Statement.Holder, clip(cl.Role), clip(cl.Organisation)), nil
}

func (v *verification) receipt() (string, error) {
	c := v.rec.tx.Career
	if err := c.CheckReceipt(v.params(v.rec.inc)); err != nil {
		return "", fmt.Errorf("the payment receipt is not valid at the record's height %d: %w", v.rec.inc.Block.Height, err)
	}
	r := &c.Receipt
	return fmt.Sprintf("Payment service %s, which %s registers at the record's height, signed a receipt for %d %s (%s payment %s) for this claim.",
		short(r.Issuer), v.authority(v.rec.inc), r.Amount, r.Currency, clip(r.Provider), clip(r.PaymentID)), nil
}

func (v *verification) attestation() (string, error) {
	c := v.rec.tx.Career
	if err := c.CheckAttestation(v.params(v.rec.inc)); err != nil {
		return "", fmt.Errorf("the admin's attestation is not valid at the record's height %d: %w", v.rec.inc.Block.Height, err)
	}
	a := &c.Attestation
	return fmt.Sprintf("Admin key %s, which %s allows to attest at the record's height, approved this claim and its receipt at %s.",
		short(a.Attester), v.authority(v.rec.inc), time.Unix(a.Time, 0).UTC().Format(time.RFC3339)), nil
}

func (v *verification) inclusion() (string, error) {
	if err := v.rec.included(); err != nil {
		return "", err
	}
	inc := v.rec.inc
	return fmt.Sprintf("The Merkle path leads from transaction %s at index %d to the transaction root of block %d.", inc.TxID, inc.Index, inc.Block.Height), nil
}

// included checks the Merkle path of an inclusion.
func (p *proven) included() error {
	inc := p.inc
	root, _ := decodeHash(inc.Block.TxRoot) // decode checked it
	if !chain.VerifyMerkleProof(p.id[:], root, inc.Index, inc.Block.TxCount, inc.Proof) {
		return fmt.Errorf("the Merkle path does not lead from transaction %s at index %d of %d to the transaction root of block %d",
			inc.TxID, inc.Index, inc.Block.TxCount, inc.Block.Height)
	}
	return nil
}

func (v *verification) blockHash() (string, error) {
	d, err := v.rec.hashed()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Block %d's header hashes to %s, the block hash its commit certificate names.", v.rec.inc.Block.Height, d), nil
}

// hashed recomputes the block digest and checks that the certificate is
// for it.
func (p *proven) hashed() (pbft.Hash, error) {
	h := &p.inc.Block
	d := BlockDigest(h.Height, h.View, h.Proposer, h.Time, p.config, h.TxCount, mustHash(h.TxRoot))
	switch {
	case p.cert.Seq != h.Height:
		return d, fmt.Errorf("the commit certificate is for height %d, the block is at height %d", p.cert.Seq, h.Height)
	case p.cert.Digest != d:
		return d, fmt.Errorf("block %d's header hashes to %s, but its commit certificate is for block hash %s", h.Height, d, p.cert.Digest)
	}
	return d, nil
}

func (v *verification) membership() (string, error) {
	v.history = []epoch{{from: 1, m: v.g.Membership}}
	epochs := []string{"0"}
	for i := range v.b.Memberships {
		c := &v.b.Memberships[i]
		prev := v.history[len(v.history)-1]
		h := &c.Block
		next, _ := h.Config.pbftMembership() // format checked it
		cert, _ := c.Certificate.pbftCertificate()
		switch {
		case h.Height < prev.from:
			return "", fmt.Errorf("membership change %d is at height %d, not after the change before it (in force from %d)", i+1, h.Height, prev.from)
		case next.Epoch <= prev.m.Epoch:
			return "", fmt.Errorf("membership change %d at height %d names epoch %d, which does not follow epoch %d", i+1, h.Height, next.Epoch, prev.m.Epoch)
		}
		d, _ := h.Digest()
		if cert.Seq != h.Height || cert.Digest != d {
			return "", fmt.Errorf("the certificate of membership change %d is not for block %d as the bundle shows it", i+1, h.Height)
		}
		if err := cert.Verify(v.g.ChainID, prev.m, v.mv); err != nil {
			return "", fmt.Errorf("membership change %d at height %d is not committed by the membership before it (epoch %d): %w", i+1, h.Height, prev.m.Epoch, err)
		}
		v.history = append(v.history, epoch{from: h.Height + 1, m: next})
		epochs = append(epochs, fmt.Sprint(next.Epoch))
	}
	last := v.history[len(v.history)-1].m
	if len(v.b.Memberships) == 0 {
		return fmt.Sprintf("The bundle claims no membership change, so the genesis membership (%d replicas, epoch 0) applies.", last.N()), nil
	}
	if len(v.b.Memberships) == 1 {
		return fmt.Sprintf("The one membership change since genesis (epochs %s) carries a commit certificate of the genesis membership; the new one has %d replicas.",
			strings.Join(epochs, " → "), last.N()), nil
	}
	return fmt.Sprintf("The %d membership changes since genesis (epochs %s) each carry a commit certificate of the membership before them; the last has %d replicas.",
		len(v.b.Memberships), strings.Join(epochs, " → "), last.N()), nil
}

// at returns the membership in force at height h.
func (v *verification) at(h uint64) *pbft.Membership {
	m := v.history[0].m
	for _, e := range v.history {
		if e.from <= h {
			m = e.m
		}
	}
	return m
}

func (v *verification) certificate() (string, error) {
	m, err := v.rec.committed(v)
	if err != nil {
		return "", err
	}
	h := v.rec.inc.Block.Height
	return fmt.Sprintf("%d of the %d replicas of epoch %d, the membership in force at height %d, signed block %d's commit certificate (quorum %d) for chain %s.",
		len(v.rec.cert.Sigs), m.N(), m.Epoch, h, h, m.Quorum(), v.g.ChainID), nil
}

// committed checks the certificate against the membership in force at the
// block's height, and that a reconfiguration block is the change the
// history names.
func (p *proven) committed(v *verification) (*pbft.Membership, error) {
	h := p.inc.Block.Height
	if h == 0 {
		return nil, errors.New("height 0 is the genesis, which holds no transactions")
	}
	m := v.at(h)
	if err := p.cert.Verify(v.g.ChainID, m, v.mv); err != nil {
		return m, fmt.Errorf("block %d is not committed by a quorum of epoch %d, the membership in force at that height by the bundle's history: %w", h, m.Epoch, err)
	}
	if p.config != nil {
		if next := v.at(h + 1); next == m || next.Digest() != p.config.Digest() {
			return m, fmt.Errorf("block %d changes the membership, but the bundle's membership history does not list that change", h)
		}
	}
	return m, nil
}

func (v *verification) status() (string, error) {
	s := &v.b.Status
	rec := v.rec.inc
	if s.AsOf < rec.Block.Height {
		return "", fmt.Errorf("the status is read at height %d, before the record's block %d", s.AsOf, rec.Block.Height)
	}
	if s.State == StateActive {
		if s.Evidence != nil || s.By != "" || s.Reason != "" || s.Revoker != "" {
			return "", errors.New("the status says active but the bundle carries an amendment or revocation of the record")
		}
		return fmt.Sprintf("The server reports no amendment or revocation of this record up to height %d; a bundle cannot prove that something is absent, so this rests on the server's word, and nothing after height %d is covered.", s.AsOf, s.AsOf), nil
	}
	ev := &v.ev
	kind := evidenceKind(s.State)
	eh := ev.inc.Block.Height
	switch {
	case s.By != ev.inc.TxID:
		return "", fmt.Errorf("the status names %s %s but carries transaction %s", kind, clip(s.By), ev.inc.TxID)
	case s.AsOf < eh:
		return "", fmt.Errorf("the status is read at height %d, before the %s's block %d", s.AsOf, kind, eh)
	case eh < rec.Block.Height || (eh == rec.Block.Height && ev.inc.Index <= rec.Index):
		return "", fmt.Errorf("the %s at height %d index %d does not come after the record at height %d index %d", kind, eh, ev.inc.Index, rec.Block.Height, rec.Index)
	}
	var what string
	var err error
	if s.State == StateAmended {
		what, err = v.amendment()
	} else {
		what, err = v.revocation()
	}
	if err != nil {
		return "", err
	}
	if err := ev.included(); err != nil {
		return "", fmt.Errorf("the %s's inclusion: %w", kind, err)
	}
	if _, err := ev.hashed(); err != nil {
		return "", fmt.Errorf("the %s's block: %w", kind, err)
	}
	if _, err := ev.committed(v); err != nil {
		return "", fmt.Errorf("the %s's block: %w", kind, err)
	}
	return fmt.Sprintf("%s, committed at height %d; the certificate covers the transaction, not its execution, so this rests on the replicas having accepted it, as they do for any valid %s of a record still active.", what, eh, kind), nil
}

func (v *verification) amendment() (string, error) {
	rc, tx := v.rec.tx.Career, v.ev.tx
	if tx.Type != chain.TypeAmend {
		return "", fmt.Errorf("the amendment %s is a %s, not a career.amend", v.ev.inc.TxID, tx.Type)
	}
	c := tx.Career
	switch {
	case c.Statement.Supersedes != v.b.TxID:
		return "", fmt.Errorf("the amendment %s supersedes record %s, not this one", v.ev.inc.TxID, clip(c.Statement.Supersedes))
	case c.Statement.Holder != rc.Statement.Holder:
		return "", fmt.Errorf("the amendment %s is by holder %s, the record's holder is %s", v.ev.inc.TxID, c.Statement.Holder, rc.Statement.Holder)
	}
	p := v.params(v.ev.inc)
	for _, check := range []func() error{c.CheckHolderSig, func() error { return c.CheckReceipt(p) }, func() error { return c.CheckAttestation(p) }} {
		if err := check(); err != nil {
			return "", fmt.Errorf("the amendment %s is not validly signed: %w", v.ev.inc.TxID, err)
		}
	}
	return fmt.Sprintf("The holder amended this record by transaction %s", v.ev.inc.TxID), nil
}

func (v *verification) revocation() (string, error) {
	rc, tx, s := v.rec.tx.Career, v.ev.tx, &v.b.Status
	if tx.Type != chain.TypeRevoke {
		return "", fmt.Errorf("the revocation %s is a %s, not a career.revoke", v.ev.inc.TxID, tx.Type)
	}
	r := tx.Revoke
	var role string
	switch r.By {
	case rc.Statement.HolderKey:
		role = "holder"
	case rc.Attestation.Attester:
		role = "attester"
	}
	switch {
	case r.Target != v.b.TxID:
		return "", fmt.Errorf("the revocation %s revokes record %s, not this one", v.ev.inc.TxID, clip(r.Target))
	case role == "":
		return "", fmt.Errorf("the revocation %s is signed by %s, who is neither the record's holder nor its attester", v.ev.inc.TxID, short(r.By))
	case role == "attester" && !slices.Contains(v.keysAt(positionOf(v.ev.inc)).Attesters, r.By):
		return "", fmt.Errorf("the revocation %s is signed by the record's attester %s, whose key was retired before it, so the replicas rejected it", v.ev.inc.TxID, short(r.By))
	case s.Revoker != r.By || s.Reason != r.Reason:
		return "", fmt.Errorf("the status names a revoker or reason other than the revocation %s's", v.ev.inc.TxID)
	}
	if err := r.CheckSig(); err != nil {
		return "", fmt.Errorf("the revocation %s is not validly signed: %w", v.ev.inc.TxID, err)
	}
	return fmt.Sprintf("The record's %s (%s) revoked it for the reason %q by transaction %s", role, short(r.By), clip(r.Reason), v.ev.inc.TxID), nil
}

func evidenceKind(state string) string {
	if state == StateAmended {
		return "amendment"
	}
	return "revocation"
}

func mustHash(s string) pbft.Hash {
	h, err := decodeHash(s)
	if err != nil {
		panic("verify: a hash the format step checked does not decode")
	}
	return h
}

// short abbreviates a hex key for a sentence.
func short(k string) string {
	if len(k) > 16 {
		return k[:16] + "…"
	}
	return k
}

// clip shortens untrusted text for a sentence, on a rune boundary.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	n := 80
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// sentence formats a failure as one sentence: capitalised, with a full stop.
func sentence(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
