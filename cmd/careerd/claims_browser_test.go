package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
	"github.com/careerchain/careerchain/wasm/wasmtest"
)

// tab drives one Chromium tab at phone width and saves each step's page
// at 390 and 1280 px.
type tab struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (b *tab) shot(name string) { browsertest.Screenshot(b.t, b.ctx, b.shots, name) }

func (b *tab) phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(int64(browsertest.Phone.Width), int64(browsertest.Phone.Height), chromedp.EmulateMobile, chromedp.EmulateScale(2))
}

// both saves the page at phone and at desktop width.
func (b *tab) both(name string) {
	b.t.Helper()
	b.shot(name + "-390")
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		b.t.Fatalf("desktop width: %v", err)
	}
	b.shot(name + "-1280")
	if err := chromedp.Do(b.ctx, b.phone()); err != nil {
		b.t.Fatalf("phone width: %v", err)
	}
}

// must runs the steps; each call has 90 s before it fails the test.
func (b *tab) must(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s (at %s): %v\n%s", what, loc, err, body)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *tab) login(portalURL, email, pass string) {
	b.t.Helper()
	b.must("log in as "+email, chromedp.Navigate(portalURL+"/login?next=/careers"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), pass),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`header form[action="/logout"]`)))
}

func (b *tab) logout() {
	b.t.Helper()
	b.must("log out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href^="/login"]`)))
}

// TestClaimJourneyInBrowser is the seed's front scenario in headless
// Chromium against `careerd dev` with the shipped plugins: a freelancer
// logs in, creates a wallet, adds a career with an evidence file, reads
// and signs the statement, pays in the sandbox; an admin sees the score
// and the evidence and approves; the record commits; a visitor finds it by
// e-mail; the freelancer revokes it and the visitor sees it revoked. Then
// a second claim the same way through the KakaoPay fake, signed with the
// key kept open for the session. Every step is saved at 390 and 1280 px.
func TestClaimJourneyInBrowser(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Phone, 12*time.Minute)
	b := &tab{t: t, ctx: ctx, shots: browsertest.ScreenshotDir(t)}
	plugins := t.TempDir()
	for _, name := range []string{"career-validator", "authenticity-scorer", "payment-sandbox", "payment-kakaopay"} {
		mod := wasmtest.MustBuild(t, filepath.Join("..", "..", "plugins", name))
		if err := os.WriteFile(filepath.Join(plugins, name+".wasm"), mod, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "data")
	base := freeBase(t)
	portalAddr, paymentsAddr := freeTCP(t), freeTCP(t)
	stop, out := startDev(t, []string{"--data", dir, "--base-port", itoa(base), "--msp", "127.0.0.1:" + itoa(base+99), "--plugins", plugins,
		"--portal", portalAddr, "--issuer", freeTCP(t), "--payments", paymentsAddr})
	defer stop()
	printed := out.String()
	if p, m := strings.Index(printed, "Portal:"), strings.Index(printed, "Payments:  http://"+paymentsAddr); p < 0 || m < p {
		t.Fatalf("careerd dev does not print the payment fakes after the portal:\n%s", printed)
	}
	portalURL := "http://" + portalAddr

	downloads := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	b.must("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)})
		return err
	}))

	// The freelancer: wallet, findable by e-mail.
	b.login(portalURL, "alice@example.com", "alice")
	b.must("open the wallet page", chromedp.Navigate(portalURL+"/wallet"), chromedp.WaitVisible(chromedp.ID("create-form")))
	const pass = "plum violin 7 orbit"
	b.must("create the wallet", chromedp.SendKeys(chromedp.ID("pass1"), pass), chromedp.SendKeys(chromedp.ID("pass2"), pass),
		chromedp.Click(chromedp.ID("understand")), chromedp.Click(chromedp.ID("create-button")), chromedp.WaitVisible(chromedp.ID("link-form")))
	var keyFile []byte
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			if keyFile, err = os.ReadFile(filepath.Join(downloads, ev.GUID)); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	keyPath := filepath.Join(t.TempDir(), "careerchain-key.json")
	if err := os.WriteFile(keyPath, keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	b.must("link the wallet", chromedp.Click(chromedp.ID("link-button")), chromedp.WaitVisible(chromedp.ID("linked")),
		chromedp.Click(chromedp.CSS(`#findable input[name=findable]`)), chromedp.Click(chromedp.CSS(`#findable button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#findable .note.ok")))

	// A new career with an evidence file.
	evidence := filepath.Join(t.TempDir(), "contract.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.4\n% Acme Korea contract, 2021\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.must("open My careers", chromedp.Click(chromedp.CSS(`header a[href="/careers"]`)), chromedp.WaitVisible(chromedp.ID("new-career")))
	b.both("31-my-careers-empty")
	b.must("open the form", chromedp.Click(chromedp.ID("new-career")), chromedp.WaitVisible(chromedp.ID("claim-form")),
		chromedp.SendKeys(chromedp.ID("role"), "Backend engineer"), chromedp.SendKeys(chromedp.ID("organisation"), "Acme Korea"),
		discard(chromedp.Evaluate[bool](`document.getElementById("start").value = "2021-03-01"; document.getElementById("end").value = "2023-02-28"; true`)),
		chromedp.SendKeys(chromedp.ID("description"), "Built and ran the payments API used by 40,000 shops."),
		chromedp.SendKeys(chromedp.ID("skills"), "Go, PostgreSQL, Kubernetes"),
		chromedp.SetUploadFiles(chromedp.ID("evidence"), []string{evidence}),
		discard(chromedp.Poll[bool](`document.getElementById("file-digests").textContent.includes("sha256:")`)))
	if s := b.text("#file-digests"); !strings.Contains(s, "contract.pdf") {
		t.Fatalf("the browser's fingerprint of the file: %q", s)
	}
	b.both("32-new-career-form")
	// A reload keeps what was typed.
	b.must("reload the form", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("claim-form")),
		discard(chromedp.Poll[bool](`document.getElementById("role").value === "Backend engineer"`)))
	b.must("attach the file again and save", chromedp.SetUploadFiles(chromedp.ID("evidence"), []string{evidence}),
		discard(chromedp.Poll[bool](`document.getElementById("file-digests").textContent.includes("sha256:")`)),
		chromedp.Click(chromedp.ID("save-draft")), chromedp.WaitVisible(chromedp.ID("verdict")))
	// The portal compiles the plugins in the background after it starts;
	// until then the page says the check could not run yet.
	for i := 0; !strings.Contains(b.text("#verdict"), "The claim is complete and well-formed."); i++ {
		if i == 60 {
			t.Fatalf("the validator's verdict is not shown before payment:\n%s", b.text("#verdict"))
		}
		time.Sleep(2 * time.Second)
		b.must("reload the draft", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("verdict")))
	}
	b.both("33-draft-checked")

	// Consent and signature in the browser.
	b.must("read the statement", chromedp.Click(chromedp.ID("to-sign")), chromedp.WaitVisible(chromedp.ID("sign-form")),
		chromedp.Click(chromedp.CSS("#bytes-box summary")), chromedp.WaitVisible(chromedp.ID("bytes")))
	if s := b.text("#statement"); !strings.Contains(s, "I state that I worked as Backend engineer at Acme Korea") || !strings.Contains(s, "₩10,000") ||
		!strings.Contains(s, "careerchain/statement/v1") {
		t.Fatalf("consent page:\n%s", s)
	}
	b.both("34-consent")
	b.must("sign with the key file", chromedp.SetUploadFiles(chromedp.ID("keyfile"), []string{keyPath}), chromedp.SendKeys(chromedp.ID("pass"), pass),
		chromedp.Click(chromedp.ID("keep")), chromedp.Click(chromedp.ID("consent")), chromedp.Click(chromedp.ID("sign-button")),
		chromedp.WaitVisible(chromedp.ID("pay")))
	b.both("35-signed-pay")

	// Payment in the sandbox.
	b.must("pay", chromedp.Click(chromedp.ID("pay-button")), chromedp.WaitVisible(chromedp.CSS("button.pay")))
	b.both("36-sandbox-checkout")
	b.must("pay (success)", chromedp.Click(chromedp.CSS("button.pay")), chromedp.WaitVisible(chromedp.ID("waiting")))
	b.both("37-paid-waiting")
	claimURL, _ := chromedp.Run(ctx, chromedp.Location())
	b.logout()

	// The admin reviews and approves.
	b.login(portalURL, "admin@example.com", "admin")
	b.must("open the queue", chromedp.Navigate(portalURL+"/review"), chromedp.WaitVisible(chromedp.ID("queue")))
	b.both("38-review-queue")
	b.must("open the claim", chromedp.Click(chromedp.CSS("#queue h2 a")), chromedp.WaitVisible(chromedp.ID("checks")))
	s := b.text("main")
	for _, want := range []string{"contract.pdf", "career-validator", "payment-sandbox", "Authenticity score", "Evidence files", "%"} {
		if !strings.Contains(s, want) {
			t.Errorf("review page lacks %q:\n%s", want, s)
		}
	}
	b.both("39-review-claim")
	b.must("approve", chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("progress")))
	b.both("40-approved-submitting")
	b.must("wait for the commit", chromedp.WaitVisible(chromedp.ID("txid")))
	txid := b.text("#txid")
	b.both("41-committed-admin")
	b.logout()

	// A visitor finds it by e-mail.
	b.must("search by e-mail", chromedp.Navigate(portalURL+"/"), chromedp.SendKeys(chromedp.ID("q"), "alice@example.com"),
		chromedp.Click(chromedp.CSS(`form.search button`)), chromedp.WaitVisible(chromedp.CSS("ol.careers")),
		chromedp.Click(chromedp.CSS("a.more")), chromedp.WaitVisible(chromedp.CSS("section.chain")))
	if s := b.text("main"); !strings.Contains(s, txid) || !strings.Contains(s, "Backend engineer") {
		t.Fatalf("the visitor's career page:\n%s", s)
	}
	b.both("42-visitor-career")

	// The freelancer revokes it.
	b.login(portalURL, "alice@example.com", "alice")
	b.must("open the claim", chromedp.Navigate(claimURL), chromedp.WaitVisible(chromedp.ID("committed")))
	b.both("43-my-record")
	b.must("revoke", chromedp.Click(chromedp.ID("revoke")), chromedp.WaitVisible(chromedp.ID("revoke-form")),
		chromedp.SendKeys(chromedp.ID("reason"), "The contract was cancelled before it began."),
		chromedp.SetUploadFiles(chromedp.ID("keyfile"), []string{keyPath}), chromedp.SendKeys(chromedp.ID("pass"), pass))
	b.both("44-revoke")
	b.must("sign the revocation", chromedp.Click(chromedp.ID("revoke-button")), chromedp.WaitVisible(chromedp.ID("revoked")))
	b.both("45-revoked-holder")
	b.must("see it as a visitor", chromedp.Navigate(portalURL+"/tx/"+txid), chromedp.WaitVisible(chromedp.CSS("section.chain")))
	// The public page's reason line is part 1's (public.go) and shows no
	// reason for a revocation yet; the status is what this journey checks.
	if s := b.text("main"); !strings.Contains(s, "Revoked: this record no longer stands.") {
		t.Fatalf("the revoked record's public page:\n%s", s)
	}
	b.both("46-revoked-public")

	// Once more through KakaoPay. The key kept for the session at the first
	// signature was forgotten when this browser logged out (by design), so
	// the key file signs again.
	b.must("a second career", chromedp.Navigate(portalURL+"/careers/new"), chromedp.WaitVisible(chromedp.ID("claim-form")),
		chromedp.SendKeys(chromedp.ID("role"), "Data engineer"), chromedp.SendKeys(chromedp.ID("organisation"), "Hanbit Data"),
		discard(chromedp.Evaluate[bool](`document.getElementById("start").value = "2023-04-01"; true`)),
		chromedp.Click(chromedp.ID("save-draft")), chromedp.WaitVisible(chromedp.ID("verdict")),
		chromedp.Click(chromedp.ID("to-sign")), chromedp.WaitVisible(chromedp.ID("sign-form")))
	if kept, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("session-key").hidden`)); kept {
		t.Fatal("a key kept for the session is still offered after logging out")
	}
	b.must("sign with the key file", chromedp.SetUploadFiles(chromedp.ID("keyfile"), []string{keyPath}), chromedp.SendKeys(chromedp.ID("pass"), pass),
		chromedp.Click(chromedp.ID("consent")),
		chromedp.Click(chromedp.ID("sign-button")), chromedp.WaitVisible(chromedp.ID("pay")),
		chromedp.Click(chromedp.CSS(`input[value="kakaopay"]`)), chromedp.Click(chromedp.ID("pay-button")),
		chromedp.WaitVisible(chromedp.CSS(`button[value="approve"]`)))
	b.both("47-kakaopay")
	b.must("approve at KakaoPay", chromedp.Click(chromedp.CSS(`button[value="approve"]`)), chromedp.WaitVisible(chromedp.ID("waiting")))
	b.both("48-kakaopay-paid")
	second, _ := chromedp.Run(ctx, chromedp.Location())
	id := second[strings.LastIndex(second, "/")+1:]
	b.logout()
	b.login(portalURL, "admin@example.com", "admin")
	b.must("approve the second", chromedp.Navigate(portalURL+"/review/"+id), chromedp.WaitVisible(chromedp.ID("checks")))
	if s := b.text("#checks"); !strings.Contains(s, "payment-kakaopay") {
		t.Errorf("the KakaoPay receipt's plugin is not among the checks:\n%s", s)
	}
	b.must("approve and wait", chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("txid")))
	b.both("49-kakaopay-committed")
}
