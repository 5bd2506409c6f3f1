package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

// verifierCase is one case of sdk/verify's verification tables, as its
// tests write them ($CAREERCHAIN_VERIFY_CASES, sdk/verify/dump_test.go).
type verifierCase struct {
	Name    string          `json:"name"`
	Fail    string          `json:"fail"`
	Bundle  json.RawMessage `json:"bundle"`
	Genesis json.RawMessage `json:"genesis"`
	dir     string          // where the bundle and genesis files are
}

var (
	casesOnce sync.Once
	casesList []verifierCase
	casesErr  error
)

// verifierCases runs sdk/verify's table tests with
// $CAREERCHAIN_VERIFY_CASES set and reads every case they wrote, each also
// saved as bundle.json and genesis.json in a directory of its own.
func verifierCases(t *testing.T) []verifierCase {
	t.Helper()
	casesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "careerchain-verify-cases-")
		if err != nil {
			casesErr = err
			return
		}
		cmd := exec.Command("go", "test", "-count=1", "-run", "^TestVerify", "../sdk/verify/")
		cmd.Env = append(os.Environ(), "CAREERCHAIN_VERIFY_CASES="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			casesErr = fmt.Errorf("sdk/verify's tests: %v\n%s", err, out)
			return
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			var c verifierCase
			if err := json.Unmarshal(b, &c); err != nil {
				casesErr = err
				return
			}
			c.dir = strings.TrimSuffix(f, ".json")
			os.MkdirAll(c.dir, 0o755)
			os.WriteFile(filepath.Join(c.dir, "bundle.json"), c.Bundle, 0o644)
			os.WriteFile(filepath.Join(c.dir, "genesis.json"), c.Genesis, 0o644)
			casesList = append(casesList, c)
		}
		sort.Slice(casesList, func(i, j int) bool { return casesList[i].Name < casesList[j].Name })
	})
	if casesErr != nil {
		t.Fatal(casesErr)
	}
	if len(casesList) < 50 {
		t.Fatalf("sdk/verify wrote %d cases; its tables have more", len(casesList))
	}
	return casesList
}

// verifierFiles returns the verifier module and its support script when
// the embedded copies are missing (a clone where make verifier has not
// run): built here, as portal/verifier/build.sh builds them.
func verifierFiles(t *testing.T) (wasm, support []byte) {
	t.Helper()
	if _, err := webFS().Open("static/" + verifierWasm); err == nil {
		return nil, nil
	}
	out := filepath.Join(t.TempDir(), "verify.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./verifier")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the verifier: %v\n%s", err, b)
	}
	wasm, _ = os.ReadFile(out)
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	support, err = os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	return wasm, support
}

// careerctl builds the command line tool.
func careerctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "careerctl")
	if b, err := exec.Command("go", "build", "-o", bin, "../cmd/careerctl").CombinedOutput(); err != nil {
		t.Fatalf("building careerctl: %v\n%s", err, b)
	}
	return bin
}

// cliVerdict is the step `careerctl verify --offline` reports failed ("" =
// verified).
func cliVerdict(t *testing.T, bin string, c verifierCase) string {
	t.Helper()
	out, _ := exec.Command(bin, "verify", "--json", "--offline", "--genesis", filepath.Join(c.dir, "genesis.json"), filepath.Join(c.dir, "bundle.json")).Output()
	var v struct {
		OK    bool          `json:"ok"`
		Steps []verify.Step `json:"steps"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s: careerctl said %q: %v", c.Name, out, err)
	}
	if v.OK {
		return ""
	}
	return v.Steps[len(v.Steps)-1].Name
}

// TestBrowserVerifierAgreesWithCareerctl feeds every case of sdk/verify's
// tables to the verifier page in Chromium (the bundle pasted, the case's
// genesis chosen as the visitor's own file) and to `careerctl verify
// --offline`: both name the same failed step, the one the table expects,
// or both verify.
func TestBrowserVerifierAgreesWithCareerctl(t *testing.T) {
	cases := verifierCases(t)
	bin := careerctl(t)
	wasm, support := verifierFiles(t)
	e := newEnv(t, func(o *Options) { o.VerifierWasm, o.VerifierSupport = wasm, support })
	ctx := browsertest.New(t, browsertest.Viewport{Width: 1280, Height: 900}, 10*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.portal.URL+"/verify"), chromedp.WaitVisible(chromedp.ID("verify-input"))); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		want := cliVerdict(t, bin, c)
		if want != c.Fail {
			t.Errorf("%s: careerctl fails at %q, the table expects %q", c.Name, want, c.Fail)
		}
		err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID("verify-input"), string(c.Bundle)),
			chromedp.SetUploadFiles(chromedp.ID("verify-genesis"), []string{filepath.Join(c.dir, "genesis.json")}),
			chromedp.Click(chromedp.ID("verify-button")),
			chromedp.WaitVisible(chromedp.CSS("#verify[data-result]")))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const d = document.getElementById("verify").dataset; return d.result === "ok" ? "" : (d.failed || "error:" + document.getElementById("verify-summary").textContent) })()`))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got != want {
			t.Errorf("%s: the browser fails at %q, careerctl at %q", c.Name, got, want)
		}
		if i == 0 {
			browsertest.Screenshot(t, ctx, browsertest.ScreenshotDir(t), "60-verify-page-1280")
		}
	}
	t.Logf("%d cases: the browser and careerctl agree", len(cases))
}

// bundleChain is a Chain that serves one record from its bundle, with the
// bundle it is told to serve as the proof: an honest portal when that is
// the record's own, a dishonest one when it was tampered with.
type bundleChain struct {
	view  *TxView
	proof []byte
}

func newBundleChain(t *testing.T, good, served []byte) *bundleChain {
	t.Helper()
	b, err := verify.DecodeBundle(good)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := chain.DecodeTx(b.Tx, verify.MaxTxBytes)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := b.Block.Digest()
	return &bundleChain{proof: served, view: &TxView{TxID: b.TxID, Tx: tx, Result: "accepted", Height: b.Block.Height, Index: b.Index,
		Block:  BlockInfo{Height: b.Block.Height, Digest: d.String(), Time: b.Block.Time, TxRoot: b.Block.TxRoot, TxCount: b.Block.TxCount},
		Record: &RecordView{Status: "active"}}}
}

func (c *bundleChain) Careers(context.Context, string) ([]CareerEntry, error) { return nil, nil }
func (c *bundleChain) Tx(_ context.Context, id string) (*TxView, error) {
	if id != c.view.TxID {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return c.view, nil
}
func (c *bundleChain) Proof(ctx context.Context, id string) ([]byte, error) {
	if _, err := c.Tx(ctx, id); err != nil {
		return nil, err
	}
	return c.proof, nil
}

func findCase(t *testing.T, name string) verifierCase {
	t.Helper()
	for _, c := range verifierCases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no case %q", name)
	return verifierCase{}
}

// TestSharedLinkVerifiesInBrowser: a visitor opens a record's shared link
// and sees every step green; a dishonest portal (a test double serving a
// tampered bundle for the same record) gets the failing step named.
func TestSharedLinkVerifiesInBrowser(t *testing.T) {
	valid := findCase(t, "TestVerifyRecord/valid")
	wasm, support := verifierFiles(t)
	shots := browsertest.ScreenshotDir(t)
	ctx := browsertest.New(t, browsertest.Phone, 5*time.Minute) // one browser for every case
	for _, tc := range []struct {
		name, served, failed, shot string
	}{
		{"honest portal", "TestVerifyRecord/valid", "", "61-career-verified"},
		{"dishonest portal: certificate cut", "TestVerifyRecord/certificate_with_too_few_signers", verify.StepCertificate, "62-career-tampered-certificate"},
		// A changed transaction has another TxID: on the record's page that
		// fails the format step (the verifier page, which has no page
		// TxID, names the holder signature: TestBrowserVerifierAgreesWithCareerctl).
		{"dishonest portal: role changed", "TestVerifyRecord/changed_claim_role", verify.StepFormat, "63-career-tampered-role"},
		{"dishonest portal: another record's valid proof", "TestVerifyStatus/active_record", verify.StepFormat, "64-career-other-record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			served := findCase(t, tc.served)
			e := newEnv(t, func(o *Options) {
				o.Chain = newBundleChain(t, valid.Bundle, served.Bundle)
				o.Genesis, o.VerifierWasm, o.VerifierSupport = valid.Genesis, wasm, support
			})
			id := e.srv.o.Chain.(*bundleChain).view.TxID
			phone := chromedp.EmulateViewport(int64(browsertest.Phone.Width), int64(browsertest.Phone.Height), chromedp.EmulateMobile, chromedp.EmulateScale(2))
			if err := chromedp.Do(ctx, phone, chromedp.Navigate(e.portal.URL+"/tx/"+id), chromedp.WaitVisible(chromedp.CSS("#verify[data-result]"))); err != nil {
				t.Fatal(err)
			}
			type seen struct {
				Result, Failed, Summary, Trust string
				Steps                          []string
			}
			v, err := chromedp.Run(ctx, chromedp.Evaluate[seen](`(() => { const d = document.getElementById("verify").dataset; return {
				Result: d.result, Failed: d.failed || "", Summary: document.getElementById("verify-summary").textContent,
				Trust: document.getElementById("verify-trust").textContent,
				Steps: [...document.querySelectorAll("#verify-steps li")].map(li => li.dataset.step + ":" + li.className) } })()`))
			if err != nil {
				t.Fatal(err)
			}
			result, failed, summary, trust, steps := v.Result, v.Failed, v.Summary, v.Trust, v.Steps
			browsertest.Screenshot(t, ctx, shots, tc.shot+"-390")
			chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
			browsertest.Screenshot(t, ctx, shots, tc.shot+"-1280")
			if !strings.Contains(trust, e.srv.trust.hash) || !strings.Contains(trust, e.srv.trust.chainID) {
				t.Errorf("the page does not name the genesis it checked against: %q", trust)
			}
			if tc.failed == "" {
				if result != "ok" || !strings.Contains(summary, "Verified") {
					t.Fatalf("honest portal: result %q failed %q summary %q", result, failed, summary)
				}
				for _, s := range steps {
					if !strings.HasSuffix(s, ":ok") {
						t.Errorf("step %s is not green", s)
					}
				}
				if len(steps) != len(verify.Steps()) {
					t.Errorf("%d steps shown, want %d", len(steps), len(verify.Steps()))
				}
				return
			}
			if result != "bad" || failed != tc.failed {
				t.Fatalf("dishonest portal: result %q, failed step %q, want %q (summary %q)", result, failed, tc.failed, summary)
			}
			seenBad := false
			for _, s := range steps {
				switch {
				case strings.HasSuffix(s, ":bad"):
					seenBad = true
				case seenBad && !strings.HasSuffix(s, ":skipped"):
					t.Errorf("step %s after the failure is not marked as not checked", s)
				}
			}
		})
	}
}
