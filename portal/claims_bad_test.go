package portal

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Oversized, mistyped and altered uploads come back as the form with the
// typed values and a sentence; nothing is stored.
func TestUploadsRefused(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 64)...)
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 65<<10)...)
	cases := []struct {
		name  string
		files []upload
		want  string
	}{
		{"oversized", []upload{{name: "big.pdf", data: big}}, "is larger than 64 KB"},
		{"program named pdf", []upload{{name: "cv.pdf", data: exe}}, "is not a PDF, PNG, JPEG or text file"},
		{"pdf named exe", []upload{{name: "cv.exe", data: pdf}}, "is not a PDF, PNG, JPEG or text file"},
		{"html named txt", []upload{{name: "x.txt", data: []byte("<html><script>alert(1)</script></html>")}}, "is not a PDF"},
		{"changed on the way", []upload{{name: "c.pdf", data: pdf, sum: strings.Repeat("ab", 32)}}, "changed on its way here"},
		{"too many", []upload{{name: "a.txt", data: []byte("a")}, {name: "b.txt", data: []byte("b")}, {name: "c.txt", data: []byte("c")}, {name: "d.txt", data: []byte("d")}}, "at most 3 files"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := alice.postClaim("/careers/new", alice.claimFields("Backend engineer"), c.files...)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) {
				t.Fatalf("%d, want 400 with %q:\n%s", resp.StatusCode, c.want, body)
			}
			if !strings.Contains(body, `value="Backend engineer"`) || !strings.Contains(body, "Built the billing service.") {
				t.Fatal("the form came back without what was typed")
			}
		})
	}
	resp, body := alice.postClaim("/careers/new", url.Values{"wallet": {alice.w.Address()}, "role": {""}, "organisation": {"Acme"}, "start": {"2021-01-01"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Role, organisation and start date are required") {
		t.Fatalf("empty role: %d", resp.StatusCode)
	}
	other, _ := chain.NewWallet(rand.Reader)
	f := alice.claimFields("Backend engineer")
	f.Set("wallet", other.Address())
	if resp, body := alice.postClaim("/careers/new", f); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Choose one of your wallets") {
		t.Fatalf("someone else's wallet: %d", resp.StatusCode)
	}
	// Bodies beyond all the files' room are cut off with a clear page.
	huge := bytes.Repeat([]byte("y"), 4<<20)
	resp, body = alice.postClaim("/careers/new", alice.claimFields("Backend engineer"), upload{name: "a.txt", data: huge, sum: "-"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too large") {
		t.Fatalf("huge body: %d\n%s", resp.StatusCode, body)
	}
	if cs, _ := ce.store.ClaimsOf(context.Background(), store.AccountID(ce.issuer.URL, "dev-alice")); len(cs) != 0 {
		t.Fatalf("%d claims stored from refused forms", len(cs))
	}
	// The validator's refusal shows before signing, with its reason, and
	// the draft cannot be signed.
	id := alice.draft("Refused")
	_, body = alice.get("/careers/" + id)
	if !strings.Contains(body, "A field has text that does not read as a name") || !strings.Contains(body, "role is not sensible") ||
		strings.Contains(body, "/careers/"+id+"/sign") {
		t.Fatalf("validator refusal not shown:\n%s", body)
	}
}

// A signature that does not verify is refused with a clear page and
// nothing is stored: a random one, one by another key, one over another
// statement, one over an older version of the edited draft.
func TestForgedSignatures(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	id := alice.draft("Backend engineer")
	c := ce.claim(id)
	other, _ := chain.NewWallet(rand.Reader)
	st := c.Statement
	st.HolderKey = other.KeyHex()
	byOther, _ := chain.SignStatement(other, st)
	altered := c.Statement
	altered.Claim.Role = "CTO"
	overAltered, _ := chain.SignStatement(alice.w, altered)
	random := make([]byte, 64)
	rand.Read(random)
	cases := map[string]url.Values{
		"random":        {"holder_sig": {hex.EncodeToString(random)}},
		"another key":   {"holder_sig": {byOther}},
		"other content": {"holder_sig": {overAltered}},
		"not hex":       {"holder_sig": {"zz"}},
		"empty":         {"holder_sig": {""}},
	}
	for name, f := range cases {
		f.Set("csrf", alice.csrf)
		f.Set("consent", "yes")
		f.Set("digest", c.Statement.Digest())
		resp, body := alice.post("/careers/"+id+"/sign", f)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "does not check against your wallet") {
			t.Errorf("%s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	// No consent ticked: refused even with a good signature.
	resp, body := alice.post("/careers/"+id+"/sign", url.Values{"csrf": {alice.csrf}, "digest": {c.Statement.Digest()}, "holder_sig": {alice.signature(c)}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Tick the box") {
		t.Errorf("no consent: %d", resp.StatusCode)
	}
	// The draft edited in another tab: the old page's signature is refused.
	oldSig := alice.signature(c)
	if resp, _ := alice.postClaim("/careers/"+id+"/edit", alice.claimFields("Backend engineer II")); resp.StatusCode != http.StatusOK {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	resp, body = alice.post("/careers/"+id+"/sign", url.Values{"csrf": {alice.csrf}, "consent": {"yes"}, "digest": {c.Statement.Digest()}, "holder_sig": {oldSig}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The draft changed after this page was opened") {
		t.Errorf("stale signature: %d\n%s", resp.StatusCode, body)
	}
	if after := ce.claim(id); after.State != store.StateDraft || after.HolderSig != "" {
		t.Fatalf("a refused signature was stored: %s %q", after.State, after.HolderSig)
	}
	// A forged revocation is refused too.
	admin := ce.admin()
	done := ce.committedClaim(alice, admin, "Data engineer")
	rv, _ := chain.SignRevoke(ed25519.NewKeyFromSeed(other.Seed()), chain.Revoke{ChainID: "careerchain-test", Nonce: 7, Target: ce.claim(done).TxID, Reason: "forged"})
	resp, _ = alice.post("/careers/"+done+"/revoke", url.Values{"csrf": {alice.csrf}, "nonce": {"7"}, "reason": {"forged"}, "sig": {rv.Sig}})
	if resp.StatusCode != http.StatusBadRequest || ce.claim(done).Revocation != nil {
		t.Fatalf("forged revocation: %d", resp.StatusCode)
	}
	good := revokeBy(t, alice, ce, ce.claim(done), "7", "real")
	resp, _ = alice.post("/careers/"+done+"/revoke", url.Values{"csrf": {alice.csrf}, "nonce": {"7"}, "reason": {"altered reason"}, "sig": {good.Sig}})
	if resp.StatusCode != http.StatusBadRequest || ce.claim(done).Revocation != nil {
		t.Fatalf("revocation with an altered reason: %d", resp.StatusCode)
	}
}

// Payment returns that are not a payment: cancel and decline leave the
// claim payable again with a note; a tampered return changes nothing.
func TestPaymentReturns(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	id := alice.draft("Backend engineer")
	alice.sign(ce, id)
	resp, body := alice.paySandbox(id, "cancel")
	if resp.Request.URL.Path != "/careers/"+id || !strings.Contains(body, "You left the payment page without paying") {
		t.Fatalf("cancel: %s\n%s", resp.Request.URL, body)
	}
	resp, body = alice.paySandbox(id, "fail")
	if !strings.Contains(body, "The payment was declined") {
		t.Fatalf("decline: %s\n%s", resp.Request.URL, body)
	}
	c := ce.claim(id)
	if c.State != store.StatePaying || c.Payment.Attempt != 2 || c.Receipt != nil {
		t.Fatalf("after cancel and decline: %s attempt %d", c.State, c.Payment.Attempt)
	}
	// A return that claims success for a payment the provider says is
	// pending, and one for an old attempt, record nothing.
	page, pbody := alice.payAt(id, "sandbox")
	pid := page.Request.URL.Path[strings.LastIndex(page.Request.URL.Path, "/")+1:]
	_ = pbody
	for _, q := range []string{
		"order=" + id + "-3&outcome=approve&payment_id=" + pid,
		"order=" + id + "-3&outcome=approve&payment_id=sbx_forged",
		"order=" + id + "-1&outcome=approve&payment_id=" + pid,
	} {
		resp, body := alice.get("/careers/" + id + "/paid?" + q)
		if c := ce.claim(id); c.State == store.StatePaid {
			t.Fatalf("return %s made the claim paid (%d)\n%s", q, resp.StatusCode, body)
		}
	}
	// A KakaoPay return with a tampered pg_token is refused by the
	// provider and records nothing.
	kpage, kbody := alice.payAt(id, "kakaopay")
	if !strings.Contains(kpage.Request.URL.String(), ce.paySrv.URL+"/kakaopay/") {
		t.Fatalf("kakaopay pay went to %s\n%s", kpage.Request.URL, kbody)
	}
	order := ce.claim(id).Payment.OrderID
	resp, body = alice.get("/careers/" + id + "/paid?order=" + order + "&outcome=approve&pg_token=tampered")
	if resp.StatusCode == http.StatusOK && ce.claim(id).State == store.StatePaid {
		t.Fatalf("tampered pg_token accepted:\n%s", body)
	}
	if !strings.Contains(body, "The payment did not go through") {
		t.Fatalf("tampered pg_token page: %d\n%s", resp.StatusCode, body)
	}
	// The real approval still works after that.
	kpage, kbody = alice.get(kpage.Request.URL.String())
	resp, body = alice.choose(kpage, kbody, "choice", "approve")
	if c := ce.claim(id); c.State != store.StatePaid || c.Receipt.Provider != "kakaopay" {
		t.Fatalf("kakaopay approve: %s %s\n%s", c.State, resp.Request.URL, body)
	}
	if n := ce.pay.KakaoPay.Approvals(ce.claim(id).Payment.Ref); n != 1 {
		t.Fatalf("%d KakaoPay approvals, want 1", n)
	}
}

// The card processor's webhook: a forged or stale one is refused, a
// replayed event ID acts once, a paid event for the wrong amount is not
// recorded as paid.
func TestCardWebhook(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	id := alice.draft("Backend engineer")
	alice.sign(ce, id)
	post := func(sigHeader string, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, ce.portal.URL+"/pay/webhook/card", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sigHeader != "" {
			req.Header.Set("Signature", sigHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	page, _ := alice.payAt(id, "card")
	c := ce.claim(id)
	order := c.Payment.OrderID
	event := func(evID string, amount int64) []byte {
		return []byte(fmt.Sprintf(`{"id":%q,"type":"checkout.session.completed","created":%d,"data":{"object":{"id":%q,"client_reference_id":%q,"amount_total":%d,"currency":"krw","status":"complete","payment_status":"paid","payment_intent":"pi_test1"}}}`,
			evID, ce.srv.o.Now().Unix(), c.Payment.Ref, order, amount))
	}
	sign := func(body []byte, at int64, secret string) string {
		return fmt.Sprintf("t=%d,v1=%s", at, hmacHex(secret, fmt.Sprintf("%d.%s", at, body)))
	}
	now := ce.srv.o.Now().Unix()
	const secret = "whsec_fake_card_dev"
	if got := post("", event("evt_1", 10000)); got != http.StatusBadRequest {
		t.Errorf("unsigned webhook: %d", got)
	}
	if got := post(sign(event("evt_1", 10000), now, "whsec_wrong"), event("evt_1", 10000)); got != http.StatusBadRequest {
		t.Errorf("forged webhook: %d", got)
	}
	if got := post(sign(event("evt_1", 10000), now-3600, secret), event("evt_1", 10000)); got != http.StatusBadRequest {
		t.Errorf("stale webhook: %d", got)
	}
	signed := event("evt_1", 10000)
	tampered := bytes.Replace(signed, []byte("10000"), []byte("10"), 1)
	if got := post(sign(signed, now, secret), tampered); got != http.StatusBadRequest {
		t.Errorf("webhook with a body changed after signing: %d", got)
	}
	if got := post(sign(event("evt_0", 10), now, secret), event("evt_0", 10)); got != http.StatusUnprocessableEntity {
		t.Errorf("paid event for the wrong amount: %d", got)
	}
	if s := ce.claim(id).State; s != store.StatePaying {
		t.Fatalf("after refused webhooks the claim is %s", s)
	}
	// The real event, delivered many times at once and again later.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { post(sign(signed, now, secret), signed) })
	}
	wg.Wait()
	c = ce.claim(id)
	if c.State != store.StatePaid || c.Receipt.PaymentID != "pi_test1" {
		t.Fatalf("after the paid webhook: %s %+v", c.State, c.Receipt)
	}
	paidAt := c.Updated
	if got := post(sign(signed, now, secret), signed); got != http.StatusOK {
		t.Errorf("replayed webhook: %d", got)
	}
	if c := ce.claim(id); !c.Updated.Equal(paidAt) {
		t.Fatal("a replayed webhook changed the claim")
	}
	if seen, _ := ce.store.SeenEvent(context.Background(), "card", "evt_1"); !seen {
		t.Fatal("the event ID was not recorded")
	}
	_ = page
}

func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}
