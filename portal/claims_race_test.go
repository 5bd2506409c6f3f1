package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/careerchain/careerchain/portal/store"
	"github.com/careerchain/careerchain/sdk/chain"
)

// parallel runs fn n times at once.
func parallel(n int, fn func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() { <-start; fn() })
	}
	close(start)
	wg.Wait()
}

// Every step under concurrent duplicate requests (a double click, a
// reload, two tabs, two admins) takes effect once: one signature, one
// checkout, one payment and receipt, one attestation, one submission,
// one refund, one revocation.
func TestConcurrentDuplicates(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	admin2 := ce.browser()
	admin2.login("admin@example.com", "admin")
	_, body := admin2.get("/review")
	a2 := &holder{browser: admin2, csrf: find(t, csrfRe, body)}
	const n = 8

	id := alice.draft("Backend engineer")
	c := ce.claim(id)
	sig := alice.signature(c)
	parallel(n, func() {
		alice.post("/careers/"+id+"/sign", url.Values{"csrf": {alice.csrf}, "consent": {"yes"}, "digest": {c.Statement.Digest()}, "holder_sig": {sig}})
	})
	if c := ce.claim(id); c.State != store.StateSigned || c.HolderSig != sig {
		t.Fatalf("after parallel signing: %s", c.State)
	}

	before := ce.pay.Sandbox.Count()
	var mu sync.Mutex
	pages := map[string]bool{}
	parallel(n, func() {
		resp, _ := alice.payAt(id, "sandbox")
		mu.Lock()
		pages[resp.Request.URL.Path] = true
		mu.Unlock()
	})
	if got := ce.pay.Sandbox.Count() - before; got != 1 || len(pages) != 1 {
		t.Fatalf("parallel pay clicks made %d sandbox payments and %d checkout pages, want 1 and 1", got, len(pages))
	}
	if c := ce.claim(id); c.Payment.Attempt != 1 {
		t.Fatalf("parallel pay clicks made attempt %d", c.Payment.Attempt)
	}
	// Pay once at the sandbox, then the return is reloaded many times.
	var page string
	for p := range pages {
		page = p
	}
	resp, pbody := alice.get(ce.paySrv.URL + page)
	m := formActionRe.FindStringSubmatch(pbody)
	action, _ := resp.Request.URL.Parse(m[1])
	stop := &http.Client{Jar: alice.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := stop.PostForm(action.String(), url.Values{"choice": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	back := r.Header.Get("Location")
	parallel(n, func() { alice.get(back) })
	c = ce.claim(id)
	if c.State != store.StatePaid || c.Receipt == nil {
		t.Fatalf("after parallel returns: %s", c.State)
	}
	receipt := *c.Receipt
	alice.get(back) // a reload later
	if c := ce.claim(id); *c.Receipt != receipt {
		t.Fatal("a reloaded return page signed a second receipt")
	}

	// Two admins approve at once, each double-clicking.
	parallel(n, func() {
		for _, a := range []*holder{admin, a2} {
			a.post("/review/"+id+"/approve", url.Values{"csrf": {a.csrf}})
		}
	})
	c = ce.claim(id)
	if c.State != store.StateApproved {
		t.Fatalf("after parallel approvals: %s", c.State)
	}
	txid := c.TxID
	// Several workers at once (as a restarted portal next to a slow one
	// would be) still submit one transaction.
	parallel(4, func() { ce.srv.Work(context.Background()) })
	if got := ce.sub.committed(); len(got) != 1 || got[txid] != 1 {
		t.Fatalf("committed %v, want %s once", got, txid)
	}
	if c := ce.claim(id); c.State != store.StateCommitted || c.TxID != txid || len(c.Tries) != 1 {
		t.Fatalf("after parallel work: %s tries %d", c.State, len(c.Tries))
	}

	// Parallel revocations: one.
	nonce := "42"
	rv := revokeBy(t, alice, ce, ce.claim(id), nonce, "ended early")
	parallel(n, func() {
		alice.post("/careers/"+id+"/revoke", url.Values{"csrf": {alice.csrf}, "nonce": {nonce}, "reason": {rv.Reason}, "sig": {rv.Sig}})
	})
	parallel(4, func() { ce.srv.Work(context.Background()) })
	if got := ce.sub.committed(); len(got) != 2 {
		t.Fatalf("committed %d transactions, want the record and one revocation", len(got))
	}

	// Parallel rejections of another claim: one refund.
	id2 := alice.draft("Data engineer")
	alice.sign(ce, id2)
	alice.paySandbox(id2, "approve")
	parallel(n, func() {
		for _, a := range []*holder{admin, a2} {
			a.post("/review/"+id2+"/reject", url.Values{"csrf": {a.csrf}, "reason": {"No evidence of the engagement."}})
		}
	})
	ce.srv.Work(context.Background())
	c = ce.claim(id2)
	if c.State != store.StateRejected || !c.Payment.Refunded || c.Reason != "No evidence of the engagement." {
		t.Fatalf("after parallel rejections: %s refunded %v", c.State, c.Payment.Refunded)
	}
	if p, ok := ce.pay.Sandbox.Payment(c.Payment.Ref); !ok || p.Status != "refunded" {
		t.Fatalf("the sandbox payment is %+v, want refunded", p)
	}
	_, body = alice.get("/careers/" + id2)
	if !containsAll(body, "Not approved", "No evidence of the engagement.", "Your payment was refunded.") {
		t.Fatalf("rejected claim page:\n%s", body)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// A portal restarted over the same store resumes: an approved claim whose
// submission failed (no replica) is sent again with the same TxID, once,
// and the admin sees the failed attempt.
func TestSubmissionResumesAfterRestart(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	id := alice.draft("Backend engineer")
	alice.sign(ce, id)
	alice.paySandbox(id, "approve")
	admin.post("/review/"+id+"/approve", url.Values{"csrf": {admin.csrf}})
	ce.sub.fail = 1
	ce.srv.Work(context.Background())
	c := ce.claim(id)
	if c.State != store.StateApproved || len(c.Tries) != 1 || !strings.Contains(c.Tries[0].Note, "no replica took it") {
		t.Fatalf("after a failed submission: %s %+v", c.State, c.Tries)
	}
	_, body := admin.get("/review/" + id)
	if !strings.Contains(body, "no replica took it; trying again") {
		t.Fatalf("the admin does not see the failed attempt:\n%s", body)
	}
	// "Restart": a new Server over the same store, as after a crash.
	o := ce.srv.o
	s2, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s2.Work(context.Background())
	s2.Work(context.Background())
	c = ce.claim(id)
	if c.State != store.StateCommitted || len(c.Tries) != 2 {
		t.Fatalf("after the restart: %s %+v", c.State, c.Tries)
	}
	if got := ce.sub.committed(); len(got) != 1 || got[c.TxID] != 1 {
		t.Fatalf("committed %v", got)
	}
}

// restart is a crash of the portal process: the store is closed as it is
// (bbolt's commits are on disk; nothing is flushed by a graceful stop)
// and a new Server opens it, as the next start would.
func (ce *claimEnv) restart() {
	ce.t.Helper()
	o := ce.srv.o
	ce.store.Close()
	st, err := store.Open(ce.dbPath, nil)
	if err != nil {
		ce.t.Fatal(err)
	}
	ce.t.Cleanup(func() { st.Close() })
	ce.store, o.Store = st, st
	if ce.srv, err = New(o); err != nil {
		ce.t.Fatal(err)
	}
	ce.handler.Store(ce.srv)
}

// A restart after each step of the journey (after signing, after the
// payment's confirmation, after approval, during the submission) loses
// nothing: the claim goes on from where it was, the person's page shows
// the right state, and the chain gets one transaction.
func TestRestartAtEveryStep(t *testing.T) {
	ce := newClaimEnv(t)
	alice := ce.holder("alice@example.com", "alice")
	admin := ce.admin()
	id := alice.draft("Backend engineer")
	alice.sign(ce, id)
	ce.restart()
	if _, body := alice.get("/careers/" + id); !strings.Contains(body, "Pay the fee") {
		t.Fatalf("after a restart past signing:\n%s", body)
	}
	alice.paySandbox(id, "approve")
	ce.restart()
	if _, body := alice.get("/careers/" + id); !strings.Contains(body, "Paid: waiting for review") {
		t.Fatalf("after a restart past payment:\n%s", body)
	}
	if _, body := admin.get("/review"); !strings.Contains(body, "/review/"+id) {
		t.Fatal("a paid claim is missing from the queue after a restart")
	}
	admin.post("/review/"+id+"/approve", url.Values{"csrf": {admin.csrf}})
	txid := ce.claim(id).TxID
	ce.restart()
	if _, body := alice.get("/careers/" + id); !strings.Contains(body, "Approved: being recorded on the chain") {
		t.Fatalf("after a restart past approval:\n%s", body)
	}
	// During the submission: the chain committed it, but the portal died
	// before it recorded the outcome. The next start sends it again.
	tx := ce.claim(id).Tx
	decoded, err := chain.DecodeTx(tx, len(tx))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ce.sub.Submit(context.Background(), decoded); err != nil {
		t.Fatal(err)
	}
	ce.restart()
	ce.srv.Work(context.Background())
	c := ce.claim(id)
	if c.State != store.StateCommitted || c.TxID != txid {
		t.Fatalf("after a restart during the submission: %s %s", c.State, c.TxID)
	}
	if got := ce.sub.committed(); len(got) != 1 || got[txid] != 1 {
		t.Fatalf("committed %v, want %s once", got, txid)
	}
	if _, body := alice.get("/careers/" + id); !strings.Contains(body, txid) {
		t.Fatal("the committed TxID is not shown after the restarts")
	}
}
