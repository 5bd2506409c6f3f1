package portal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// The whole flow through the handlers: draft with evidence, verdict,
// consent and signature, sandbox payment, receipt, review, approval,
// submission, then revocation and an amendment.
func TestClaimFlow(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	id := alice.draft("Backend engineer")
	_, body := alice.get("/careers/" + id)
	for _, want := range []string{"Check before you sign", "The claim is complete and well-formed.", "/careers/" + id + "/sign", "contract.pdf"} {
		if !strings.Contains(body, want) {
			t.Fatalf("draft page lacks %q:\n%s", want, body)
		}
	}
	// The consent page shows the words, the fee and the exact bytes.
	_, body = alice.get("/careers/" + id + "/sign")
	c := ce.claim(id)
	b, _ := chain.StatementSigningBytes(c.Statement)
	for _, want := range []string{"Backend engineer", "₩10,000", c.Statement.Digest(), "careerchain/statement/v1"} {
		if !strings.Contains(body, want) {
			t.Fatalf("consent page lacks %q", want)
		}
	}
	if !strings.Contains(body, html.EscapeString(string(b))) {
		t.Fatalf("consent page does not show the signing bytes %s", b)
	}
	alice.sign(ce, id)
	resp, body := alice.paySandbox(id, "approve")
	if resp.Request.URL.Path != "/careers/"+id || !strings.Contains(body, "Paid: waiting for review") {
		t.Fatalf("after paying: %s\n%s", resp.Request.URL, body)
	}
	c = ce.claim(id)
	if c.State != store.StatePaid || c.Receipt == nil || c.Receipt.Issuer != hex.EncodeToString(ce.payKey.Public().(ed25519.PublicKey)) ||
		c.Receipt.Claim != c.Statement.Digest() || c.Receipt.Amount != 10000 || c.Receipt.Provider != "sandbox" {
		t.Fatalf("paid claim: %+v receipt %+v", c.State, c.Receipt)
	}

	admin := ce.admin()
	_, body = admin.get("/review")
	if !strings.Contains(body, "/review/"+id) {
		t.Fatalf("queue lacks the claim:\n%s", body)
	}
	_, body = admin.get("/review/" + id)
	for _, want := range []string{"87 %", "contract.pdf", "career-validator", "Evidence files"} {
		if !strings.Contains(body, want) {
			t.Fatalf("review page lacks %q:\n%s", want, body)
		}
	}
	// The evidence file downloads for the admin with the same bytes.
	resp, got := admin.get("/files/" + c.Files[0].ID)
	if resp.StatusCode != http.StatusOK || got != string(pdf) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("evidence download: %d %q", resp.StatusCode, got)
	}
	resp, body = admin.post("/review/"+id+"/approve", url.Values{"csrf": {admin.csrf}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Being recorded") {
		t.Fatalf("approve: %d\n%s", resp.StatusCode, body)
	}
	c = ce.claim(id)
	tx, err := chain.DecodeTx(c.Tx, len(c.Tx))
	if err != nil || c.TxID != chain.TxID(tx) || tx.Career.Attestation.Attester != hex.EncodeToString(ce.attestKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("approved claim's tx: %v %+v", err, tx)
	}
	// The replicas' own stateless check: form, keys the chain names, and
	// the holder's, payment service's and attester's signatures.
	if err := tx.CheckStateless(ce.params()); err != nil {
		t.Fatalf("a replica would refuse the transaction: %v", err)
	}
	ce.srv.Work(context.Background())
	c = ce.claim(id)
	if c.State != store.StateCommitted || c.Height == 0 || len(c.Tries) != 1 || !strings.Contains(c.Tries[0].Note, "after 2 sends") {
		t.Fatalf("after the submission: %s height %d tries %+v", c.State, c.Height, c.Tries)
	}
	_, body = admin.get("/review/" + id)
	if !strings.Contains(body, c.TxID) || !strings.Contains(body, "a failed round or a leader change was retried") {
		t.Fatalf("review page does not show the TxID and the retries:\n%s", body)
	}
	_, body = alice.get("/careers")
	if !strings.Contains(body, "On the chain") {
		t.Fatalf("my careers:\n%s", body)
	}

	// Revoke, signed by the holder.
	_, body = alice.get("/careers/" + id + "/revoke")
	nonce := find(t, regexp.MustCompile(`name="nonce" value="([0-9]+)"`), body)
	rv := revokeBy(t, alice, ce, c, nonce, "The contract was cancelled.")
	resp, body = alice.post("/careers/"+id+"/revoke", url.Values{"csrf": {alice.csrf}, "nonce": {nonce}, "reason": {rv.Reason}, "sig": {rv.Sig}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Being revoked") {
		t.Fatalf("revoke: %d\n%s", resp.StatusCode, body)
	}
	ce.srv.Work(context.Background())
	_, body = alice.get("/careers/" + id)
	if !strings.Contains(body, "You revoked this record") {
		t.Fatalf("after revoking:\n%s", body)
	}
	if n := len(ce.sub.committed()); n != 2 {
		t.Fatalf("%d transactions committed, want the record and its revocation", n)
	}
}

func revokeBy(t *testing.T, h *holder, ce *claimEnv, c store.Claim, nonce, reason string) chain.Revoke {
	t.Helper()
	var n uint64
	for _, d := range nonce {
		n = n*10 + uint64(d-'0')
	}
	rv, err := chain.SignRevoke(ed25519.NewKeyFromSeed(h.w.Seed()), chain.Revoke{ChainID: "careerchain-test", Nonce: n, Target: c.TxID, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	return rv
}

// payAndApprove takes a fresh claim of h to committed.
func (ce *claimEnv) committedClaim(h *holder, admin *holder, role string) string {
	ce.t.Helper()
	id := h.draft(role)
	h.sign(ce, id)
	h.paySandbox(id, "approve")
	admin.post("/review/"+id+"/approve", url.Values{"csrf": {admin.csrf}})
	ce.srv.Work(context.Background())
	if s := ce.claim(id).State; s != store.StateCommitted {
		ce.t.Fatalf("claim %s is %s, want committed", id, s)
	}
	return id
}

// An amendment is a new draft pointing at the old record; once committed,
// its transaction supersedes it.
func TestAmend(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	old := ce.committedClaim(alice, admin, "Backend engineer")
	oldTx := ce.claim(old).TxID
	_, body := alice.get("/careers/new?amend=" + old)
	if !strings.Contains(body, `value="`+oldTx+`"`) || !strings.Contains(body, "Amend a career record") {
		t.Fatalf("amend form:\n%s", body)
	}
	f := alice.claimFields("Senior backend engineer")
	f.Set("amends", oldTx)
	resp, body := alice.postClaim("/careers/new", f)
	m := claimPathRe.FindStringSubmatch(resp.Request.URL.Path)
	if m == nil {
		t.Fatalf("amend draft: %s\n%s", resp.Request.URL, body)
	}
	c := ce.claim(m[1])
	if c.Statement.Type != chain.TypeAmend || c.Statement.Supersedes != oldTx {
		t.Fatalf("amendment statement: %+v", c.Statement)
	}
	// Only one's own committed record can be amended.
	bob := ce.holder("bora@example.com", "bora")
	f = bob.claimFields("Thief")
	f.Set("amends", oldTx)
	resp, body = bob.postClaim("/careers/new", f)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Only a record of yours") {
		t.Fatalf("amending another's record: %d\n%s", resp.StatusCode, body)
	}
}

// Another account's claims, payments and files are "not found", for
// reading and for every action.
func TestClaimsOfOthers(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	id := ce.committedClaim(alice, admin, "Backend engineer")
	draft := alice.draft("Data engineer")
	fileID := ce.claim(id).Files[0].ID
	bob := ce.holder("bora@example.com", "bora")
	for _, p := range []string{"/careers/" + id, "/careers/" + draft, "/careers/" + draft + "/edit", "/careers/" + draft + "/sign",
		"/careers/" + id + "/revoke", "/careers/" + draft + "/paid?order=" + draft + "-1", "/files/" + fileID} {
		resp, body := bob.get(p)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Backend engineer") || strings.Contains(body, "Data engineer") {
			t.Errorf("GET %s as another user: %d", p, resp.StatusCode)
		}
	}
	before := ce.claim(draft)
	c := ce.claim(draft)
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/careers/" + draft + "/sign", url.Values{"consent": {"yes"}, "digest": {c.Statement.Digest()}, "holder_sig": {alice.signature(c)}}},
		{"/careers/" + draft + "/pay", url.Values{"provider": {"sandbox"}}},
		{"/careers/" + id + "/revoke", url.Values{"nonce": {"1"}, "reason": {"mine now"}, "sig": {strings.Repeat("00", 64)}}},
	} {
		p.form.Set("csrf", bob.csrf)
		resp, _ := bob.post(p.path, p.form)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s as another user: %d", p.path, resp.StatusCode)
		}
	}
	resp, _ := bob.postClaim("/careers/"+draft+"/edit", bob.claimFields("Hijacked"))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("edit as another user: %d", resp.StatusCode)
	}
	if after := ce.claim(draft); after.State != before.State || after.Statement.Claim.Role != "Data engineer" || after.HolderSig != "" {
		t.Fatalf("another user changed the draft: %+v", after)
	}
	if ce.claim(id).Revocation != nil {
		t.Fatal("another user revoked the record")
	}
	_, body := bob.get("/careers")
	if strings.Contains(body, "Backend engineer") {
		t.Fatal("another user's My careers lists alice's claim")
	}
}

// Review pages and actions are for admins only, checked on the server;
// an admin cannot review their own claim.
func TestReviewNeedsAdmin(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	id := alice.draft("Backend engineer")
	alice.sign(ce, id)
	alice.paySandbox(id, "approve")
	for _, p := range []string{"/review", "/review/" + id} {
		if resp, _ := alice.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a non-admin: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/review/" + id + "/approve", "/review/" + id + "/reject"} {
		resp, _ := alice.post(p, url.Values{"csrf": {alice.csrf}, "reason": {"no"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s as a non-admin: %d", p, resp.StatusCode)
		}
	}
	anon := ce.browser()
	if resp, _ := anon.get("/review"); resp.Request.URL.Path != "/login" && !strings.HasPrefix(resp.Request.URL.String(), ce.issuer.URL) {
		t.Errorf("GET /review logged out ended at %s", resp.Request.URL)
	}
	if s := ce.claim(id).State; s != store.StatePaid {
		t.Fatalf("a non-admin moved the claim to %s", s)
	}
}

// Every state-changing step refuses a post without the session's CSRF
// token, and changes nothing.
func TestClaimStepsNeedCSRF(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	done := ce.committedClaim(alice, admin, "Backend engineer")
	id := alice.draft("Data engineer")
	c := ce.claim(id)
	for _, tok := range []string{"", "0000"} {
		f := alice.claimFields("No token")
		f["csrf"] = []string{tok}
		resp, _ := alice.postClaim("/careers/new", f, upload{name: "a.txt", data: []byte("hello")})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("new claim with csrf %q: %d", tok, resp.StatusCode)
		}
	}
	if cs, _ := ce.store.ClaimsOf(context.Background(), ce.claim(id).AccountID); len(cs) != 2 {
		t.Fatalf("%d claims after posts without the token, want 2", len(cs))
	}
	steps := []struct {
		who  *holder
		path string
		form url.Values
	}{
		{alice, "/careers/" + id + "/sign", url.Values{"consent": {"yes"}, "digest": {c.Statement.Digest()}, "holder_sig": {alice.signature(c)}}},
		{alice, "/careers/" + id + "/pay", url.Values{"provider": {"sandbox"}}},
		{alice, "/careers/" + done + "/revoke", url.Values{"nonce": {"1"}, "reason": {"r"}, "sig": {"00"}}},
		{admin, "/review/" + id + "/approve", url.Values{}},
		{admin, "/review/" + id + "/reject", url.Values{"reason": {"no"}}},
	}
	for _, s := range steps {
		for _, tok := range []string{"", "0000"} {
			f := url.Values{}
			for k, v := range s.form {
				f[k] = v
			}
			if tok != "" {
				f.Set("csrf", tok)
			}
			resp, body := s.who.post(s.path, f)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
				t.Errorf("POST %s with csrf %q: %d", s.path, tok, resp.StatusCode)
			}
		}
	}
	for _, tok := range []string{"", "0000"} {
		f := alice.claimFields("Edited")
		f["csrf"] = []string{tok}
		resp, _ := alice.postClaim("/careers/"+id+"/edit", f)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("edit with csrf %q: %d", tok, resp.StatusCode)
		}
	}
	if after := ce.claim(id); after.State != store.StateDraft || after.Statement.Claim.Role != "Data engineer" {
		t.Fatalf("a post without the token changed the claim: %s %s", after.State, after.Statement.Claim.Role)
	}
	if ce.claim(done).Revocation != nil {
		t.Fatal("a post without the token revoked the record")
	}
}
