package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
)

// TestNetworkPageLeaderSwap: against `careerd dev`, an admin opens the
// network page, which shows the replicas live with the leader marked,
// swaps the leader with the page's control (confirmed), and watches the
// page follow the swap until the chain's new leader shows. Screenshots at
// 390 and 1280 px.
func TestNetworkPageLeaderSwap(t *testing.T) {
	ctx := browsertest.New(t, browsertest.Phone, 4*time.Minute)
	shots := browsertest.ScreenshotDir(t)
	dir := filepath.Join(t.TempDir(), "data")
	base := freeBase(t)
	mspAddr := "127.0.0.1:" + itoa(base+99)
	portalAddr, issuerAddr := freeTCP(t), freeTCP(t)
	stop, _ := startDev(t, []string{"--data", dir, "--base-port", itoa(base), "--msp", mspAddr, "--plugins", t.TempDir(),
		"--portal", portalAddr, "--issuer", issuerAddr})
	defer stop()
	portalURL := "http://" + portalAddr
	must := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			browsertest.Screenshot(t, ctx, shots, "failed-network-"+strings.ReplaceAll(what, " ", "-"))
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	must("log in as the admin", chromedp.Navigate(portalURL+"/login?next=/network"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "admin@example.com"), chromedp.SendKeys(chromedp.ID("password"), "admin"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`#network[data-leader]`)))
	waitFor := func(what, js, want string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for got := eval(js); got != want; got = eval(js) {
			if time.Now().After(deadline) {
				browsertest.Screenshot(t, ctx, shots, "failed-network-"+strings.ReplaceAll(what, " ", "-"))
				t.Fatalf("%s: %q, want %q (%s)", what, got, want, eval(`document.getElementById("net-progress").textContent + " " + document.getElementById("net-live").textContent`))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("the four replicas, all answering", `String(document.querySelectorAll("#net-replicas li .tag.up").length)`, "4")
	leader := eval(`document.getElementById("network").dataset.leader`)
	if got := eval(`document.querySelector("#net-picture .node.leader").dataset.id`); got != leader {
		t.Fatalf("the picture marks replica %s as leader, the page says %s", got, leader)
	}
	browsertest.Screenshot(t, ctx, shots, "70-network-390")
	must("desktop width", chromedp.EmulateViewport(1280, 900))
	browsertest.Screenshot(t, ctx, shots, "70-network-1280")
	must("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))

	l, _ := strconv.Atoi(leader)
	target := strconv.Itoa(l%4 + 1)
	// The control asks for confirmation (window.confirm); the test says yes.
	must("swap the leader", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true; undefined`),
		chromedp.Click(chromedp.CSS(`#net-replicas button[data-action="leader"][data-id="`+target+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#network[data-pending="leader:`+target+`"]`)))
	waitFor("the page following the swap", `document.getElementById("network").dataset.followed || ""`, "done")
	if got := eval(`document.getElementById("network").dataset.leader`); got != target {
		t.Fatalf("after the swap the page says replica %s leads, want %s", got, target)
	}
	if p := eval(`document.getElementById("net-progress").textContent`); !strings.Contains(p, "replica "+target+" leads") {
		t.Fatalf("progress line %q", p)
	}
	browsertest.Screenshot(t, ctx, shots, "71-network-swapped-390")
}
