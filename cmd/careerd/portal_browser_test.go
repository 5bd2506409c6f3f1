package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/middleware"
)

func freeTCP(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestPortalInBrowser walks the portal of `careerd dev` in headless
// Chromium at phone width, as a first-time freelancer would: home → log in
// at the dev issuer → create a wallet (the key file downloads) → link it →
// a career record for it is committed → profile → career page; then a
// mistyped address and the Korean page; opt in to the e-mail search, log
// out, find the profile as a visitor by e-mail and by address, log in
// again and import the downloaded key file. Each page is saved at 390 and
// 1280 px wide (NN-page-390.png, NN-page-1280.png) in
// browsertest.ScreenshotDir.
func TestPortalInBrowser(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Phone, 5*time.Minute)
	shots := browsertest.ScreenshotDir(t)
	dir := filepath.Join(t.TempDir(), "data")
	base := freeBase(t)
	mspAddr := "127.0.0.1:" + itoa(base+99)
	portalAddr, issuerAddr := freeTCP(t), freeTCP(t)
	stop, out := startDev(t, []string{"--data", dir, "--base-port", itoa(base), "--msp", mspAddr, "--plugins", t.TempDir(),
		"--portal", portalAddr, "--issuer", issuerAddr, "--payments", freeTCP(t)})
	defer stop()
	printed := out.String()
	if p, m := strings.Index(printed, "Portal:    http://"+portalAddr), strings.Index(printed, "MSP:"); p < 0 || m < 0 || p > m || !strings.Contains(printed, "alice@example.com / alice") {
		t.Fatalf("careerd dev does not print the portal's URL first, with the dev users:\n%s", printed)
	}
	portalURL := "http://" + portalAddr
	shot := func(name string) { browsertest.Screenshot(t, ctx, shots, name) }
	phone := chromedp.EmulateViewport(int64(browsertest.Phone.Width), int64(browsertest.Phone.Height), chromedp.EmulateMobile, chromedp.EmulateScale(2))
	// both saves the page as it is at phone width and at desktop width,
	// the width in the file's name, and goes back to the phone.
	both := func(name string) {
		t.Helper()
		shot(name + "-390")
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Fatalf("desktop width: %v", err)
		}
		shot(name + "-1280")
		if err := chromedp.Do(ctx, phone); err != nil {
			t.Fatalf("phone width: %v", err)
		}
	}
	must := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			shot("failed-" + strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s (at %s): %v", what, loc, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	downloads := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	must("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)})
		return err
	}))

	must("open the home page", chromedp.Navigate(portalURL+"/"), chromedp.WaitVisible(chromedp.CSS("form.search")))
	if s := text("main"); !strings.Contains(s, "Career records anyone can check") {
		t.Fatalf("home page:\n%s", s)
	}
	both("01-home")

	must("go to the login", chromedp.Click(chromedp.CSS(`a[href="/login?next=/wallet"]`)), chromedp.WaitVisible(chromedp.ID("email")))
	both("02-login-dev-issuer")
	must("log in", chromedp.SendKeys(chromedp.ID("email"), "alice@example.com"), chromedp.SendKeys(chromedp.ID("password"), "alice"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("create-form")))
	if s := text("header"); !strings.Contains(s, "Alice Kim") {
		t.Fatalf("the header does not show who is logged in: %q", s)
	}
	both("03-wallet")

	const pass = "plum violin 7 orbit"
	must("create the wallet", chromedp.SendKeys(chromedp.ID("pass1"), pass), chromedp.SendKeys(chromedp.ID("pass2"), pass),
		chromedp.Click(chromedp.ID("understand")), chromedp.Click(chromedp.ID("create-button")),
		chromedp.WaitVisible(chromedp.ID("link-form")))
	both("04-key-downloaded")
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
	w, err := chain.DecryptKey(keyFile, pass)
	if err != nil {
		t.Fatalf("the downloaded key file does not open with sdk/chain: %v\n%s", err, keyFile)
	}
	addr := w.Address()
	if got := text("#link-address"); got != addr {
		t.Fatalf("page shows address %q, the key file holds %q", got, addr)
	}
	must("link the wallet", chromedp.Click(chromedp.ID("link-button")), chromedp.WaitVisible(chromedp.ID("linked")))
	if s := text("#linked"); !strings.Contains(s, addr) {
		t.Fatalf("linked notice: %q", s)
	}
	both("05-linked")

	// A career record for this wallet, as an approved claim would commit it.
	txid := submitCareer(t, dir, mspAddr, w, chain.Claim{Role: "Backend engineer", Organisation: "Acme Korea", Start: "2021-03-01", End: "2023-02-28",
		Description: "Built and ran the payments API used by 40,000 shops.", Skills: []string{"Go", "PostgreSQL", "Kubernetes"}})
	for i := 1; i <= 4; i++ {
		waitFound(t, "http://127.0.0.1:"+itoa(base+100+i)+"/api/v1/tx/"+txid)
	}

	must("open my records", chromedp.Click(chromedp.CSS(`#linked a.button`)), chromedp.WaitVisible(chromedp.CSS("ol.careers")))
	if s := text("main"); !strings.Contains(s, "Backend engineer") || !strings.Contains(s, "Active") || !strings.Contains(s, "Your wallet") {
		t.Fatalf("profile:\n%s", s)
	}
	both("06-profile")

	must("open the record", chromedp.Click(chromedp.CSS("a.more")), chromedp.WaitVisible(chromedp.CSS("section.chain")))
	s := text("main")
	for _, want := range []string{"Backend engineer", "Acme Korea", "2021-03-01 – 2023-02-28", "PostgreSQL", txid, "Block number", "Download the proof file"} {
		if !strings.Contains(s, want) {
			t.Errorf("career page lacks %q:\n%s", want, s)
		}
	}
	both("07-career")

	bad := addr[:20] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", addr[20])+1)%16]) + addr[21:]
	must("search a mistyped address", chromedp.Navigate(portalURL+"/"), chromedp.SendKeys(chromedp.ID("q"), bad),
		chromedp.Click(chromedp.CSS(`form.search button`)), chromedp.WaitVisible(chromedp.CSS("section.problem")))
	if s := text("main"); !strings.Contains(s, "check digits") {
		t.Errorf("mistyped address page:\n%s", s)
	}
	both("08-mistyped-address")

	must("switch to Korean", chromedp.Navigate(portalURL+"/tx/"+txid), chromedp.Click(chromedp.CSS(`footer a[href^="/lang/ko"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.chain")))
	if s := text("main"); !strings.Contains(s, "블록 번호") {
		t.Errorf("Korean career page:\n%s", s)
	}
	both("09-career-ko")
	must("open the Korean wallet page", chromedp.Navigate(portalURL+"/wallet"), chromedp.WaitVisible(chromedp.ID("create-form")))
	both("10-wallet-ko")

	// Opt in to the e-mail search, in English again.
	must("opt in to the e-mail search", chromedp.Navigate(portalURL+"/lang/en?back=/wallet"), chromedp.WaitVisible(chromedp.CSS("#findable")),
		chromedp.Click(chromedp.CSS(`#findable input[name=findable]`)), chromedp.Click(chromedp.CSS(`#findable button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#findable .note.ok")))
	both("11-findable-saved")

	must("log out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`header a[href^="/login"]`)))
	if s := text("main"); !strings.Contains(s, "You are logged out") {
		t.Errorf("logout page:\n%s", s)
	}
	both("12-logged-out")

	// A visitor with no login finds Alice by her e-mail and by her address.
	must("search by e-mail", chromedp.Navigate(portalURL+"/"), chromedp.SendKeys(chromedp.ID("q"), "alice@example.com"),
		chromedp.Click(chromedp.CSS(`form.search button`)), chromedp.WaitVisible(chromedp.CSS("ol.careers")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/a/"+addr) {
		t.Errorf("the e-mail search went to %s, want the profile of %s", loc, addr)
	}
	if s := text("main"); !strings.Contains(s, "Backend engineer") || strings.Contains(s, "Your wallet") {
		t.Errorf("profile found by e-mail, seen by a visitor:\n%s", s)
	}
	both("13-search-email")
	must("search by address", chromedp.Navigate(portalURL+"/"), chromedp.SendKeys(chromedp.ID("q"), addr),
		chromedp.Click(chromedp.CSS(`form.search button`)), chromedp.WaitVisible(chromedp.CSS("ol.careers")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/a/"+addr) {
		t.Errorf("the address search went to %s", loc)
	}
	both("14-search-address")
	must("open the career as a visitor", chromedp.Click(chromedp.CSS("a.more")), chromedp.WaitVisible(chromedp.CSS("section.chain")))
	both("15-career-visitor")

	// Log in again and import the key file that was downloaded.
	keyPath := filepath.Join(t.TempDir(), "careerchain-key.json")
	if err := os.WriteFile(keyPath, keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	must("log in again", chromedp.Navigate(portalURL+"/login?next=/wallet"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "alice@example.com"), chromedp.SendKeys(chromedp.ID("password"), "alice"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("import")))
	must("open the import form", chromedp.Click(chromedp.CSS("#import summary")), chromedp.WaitVisible(chromedp.ID("keyfile")))
	both("16-import")
	must("import with a wrong passphrase", chromedp.SetUploadFiles(chromedp.ID("keyfile"), []string{keyPath}),
		chromedp.SendKeys(chromedp.ID("import-pass"), "not the passphrase"), chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)),
		discard(chromedp.Poll[bool](`document.getElementById("import-status").textContent.length > 0 && !document.getElementById("import-status").textContent.includes("…")`)))
	if s := text("#import-status"); !strings.Contains(strings.ToLower(s), "passphrase") {
		t.Errorf("a wrong passphrase says %q", s)
	}
	both("17-import-wrong-passphrase")
	must("import the key file", discard(chromedp.Evaluate[bool](`document.getElementById("import-pass").value = ""; true`)),
		chromedp.SendKeys(chromedp.ID("import-pass"), pass), chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("link-form")))
	if got := text("#link-address"); got != addr {
		t.Fatalf("the imported key file shows address %q, want %q", got, addr)
	}
	both("18-imported")
	must("link the imported wallet", chromedp.Click(chromedp.ID("link-button")), chromedp.WaitVisible(chromedp.ID("linked")))
	if s := text("#linked"); !strings.Contains(s, addr) {
		t.Fatalf("linked notice after import: %q", s)
	}
	both("19-imported-linked")
}

// submitCareer commits a career record held by w, with the dev network's
// payment and attester keys, and returns its TxID.
func submitCareer(t *testing.T, dir, mspAddr string, w chain.Wallet, claim chain.Claim) string {
	t.Helper()
	p, err := middleware.New(middleware.Options{ChainID: "careerchain-dev", Leaders: middleware.MSP{URL: "http://" + mspAddr}})
	if err != nil {
		t.Fatal(err)
	}
	pay, att := walletFile(t, filepath.Join(dir, "keys", "payment.key")), walletFile(t, filepath.Join(dir, "keys", "attester.key"))
	s := chain.NewStatement(w, "careerchain-dev", 1, claim)
	sig, err := chain.SignStatement(w, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt("sandbox", "pay-"+w.Address()[3:15], 10000, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(att.PrivateKey(), s, r, time.Now().Unix())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := p.Submit(ctx, chain.NewCareerTx(s, sig, r, a))
	if err != nil || res.Status != "accepted" {
		t.Fatalf("submit: %+v %v", res, err)
	}
	return res.TxID
}

// discard runs a and drops its value, so it can be a step of chromedp.Do.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := a(ctx, t)
		return err
	})
}
