package portal

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/careerchain/careerchain/internal/browsertest"
	"github.com/careerchain/careerchain/sdk/vc"
)

// withCredentialIssuer returns the genesis with key named as its
// credential issuer.
func withCredentialIssuer(t *testing.T, gen []byte, key ed25519.PublicKey) []byte {
	t.Helper()
	var g map[string]any
	if err := json.Unmarshal(gen, &g); err != nil {
		t.Fatal(err)
	}
	g["config"].(map[string]any)["credential_issuers"] = []string{strings.ToLower(strings.TrimSpace(hexOf(key)))}
	b, _ := json.Marshal(g)
	return b
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// TestCredentialExportAndVerifierPage: the portal exports a record as a
// Verifiable Credential that sdk/vc verifies; the verifier page, in
// Chromium, accepts it (proof, then the chain record behind it), refuses
// it tampered with, and reports a revoked record's credential as revoked.
func TestCredentialExportAndVerifierPage(t *testing.T) {
	seed := sha256.Sum256([]byte("portal credential issuer"))
	key := ed25519.NewKeyFromSeed(seed[:])
	wasm, support := verifierFiles(t)
	shots := browsertest.ScreenshotDir(t)
	for _, tc := range []struct {
		name, bundle, state, shot string
	}{
		{"active record", "TestVerifyRecord/valid", "active", "65-credential-valid"},
		{"revoked record", "TestVerifyStatus/revoked_by_the_holder", "revoked", "66-credential-revoked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := findCase(t, tc.bundle)
			gen := withCredentialIssuer(t, c.Genesis, key.Public().(ed25519.PublicKey))
			e := newEnv(t, func(o *Options) {
				o.Chain = newBundleChain(t, c.Bundle, c.Bundle)
				o.Genesis, o.VerifierWasm, o.VerifierSupport, o.CredentialKey = gen, wasm, support, key
				o.Now = func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }
			})
			id := e.srv.o.Chain.(*bundleChain).view.TxID
			resp, err := http.Get(e.portal.URL + "/tx/" + id + "/credential")
			if err != nil {
				t.Fatal(err)
			}
			cred, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vc" {
				t.Fatalf("credential: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), cred)
			}
			parsed, pub, err := vc.Parse(cred)
			if err != nil || !pub.Equal(key.Public()) || parsed.Evidence[0].TxID != id || parsed.Evidence[0].ChainID != e.srv.trust.chainID {
				t.Fatalf("the exported credential: %v\n%s", err, cred)
			}
			var m map[string]any
			json.Unmarshal(cred, &m)
			m["credentialSubject"].(map[string]any)["role"] = "Chief Executive"
			tampered, _ := json.Marshal(m)

			ctx := browsertest.New(t, browsertest.Phone, 3*time.Minute)
			check := func(doc []byte) (state, summary string) {
				t.Helper()
				err := chromedp.Do(ctx, chromedp.Navigate(e.portal.URL+"/verify"), chromedp.WaitVisible(chromedp.ID("verify-input")),
					chromedp.SetValue(chromedp.ID("verify-input"), string(doc)), chromedp.Click(chromedp.ID("verify-button")),
					chromedp.WaitVisible(chromedp.CSS("#verify[data-credential]")))
				if err != nil {
					t.Fatal(err)
				}
				state, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("verify").dataset.credential`))
				if err != nil {
					t.Fatal(err)
				}
				summary, _ = chromedp.Run(ctx, chromedp.Text(chromedp.ID("verify-summary")))
				return state, summary
			}
			state, summary := check(cred)
			browsertest.Screenshot(t, ctx, shots, tc.shot+"-390")
			if state != tc.state {
				t.Fatalf("the verifier page says %q (%s), want %q", state, summary, tc.state)
			}
			if tc.state == "revoked" && !strings.Contains(summary, "revoked") {
				t.Fatalf("a revoked record's credential: %q", summary)
			}
			if state, summary := check(tampered); state != "bad" || !strings.Contains(summary, "Not a valid credential") {
				t.Fatalf("a tampered credential: %q %q", state, summary)
			}
		})
	}
}
