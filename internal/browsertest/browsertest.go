// Package browsertest starts headless Chromium for the portal's browser
// tests (github.com/chromedp/chromedp) with the flags this closed network
// needs, and saves screenshots where a person can look at them.
//
// Invariants:
//   - Without Chromium a test is skipped with a message saying how to
//     install it, except when CI is set (CI=1, as .ci/run sets it): then a
//     missing browser fails the test, never skips it.
//   - Every browser gets a fresh user-data directory and no background
//     networking, component updates or QUIC, and ends with its test.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Phone is the viewport of a common phone, in CSS pixels.
var Phone = Viewport{Width: 390, Height: 844, Mobile: true}

// Viewport is a browser window's size.
type Viewport struct {
	Width, Height int
	Mobile        bool
}

// Chromium returns the browser's path: $CHROMIUM, else chromium or
// chromium-browser on the PATH, else /usr/bin/chromium.
func Chromium() (string, bool) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		_, err := exec.LookPath(p)
		return p, err == nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// New starts headless Chromium at viewport v and returns a browser context
// that ends with the test (and at most timeout later).
func New(t *testing.T, v Viewport, timeout time.Duration) context.Context {
	t.Helper()
	path, ok := Chromium()
	if !ok {
		const msg = "headless Chromium is not installed (apt-get install -y chromium, or set $CHROMIUM)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI is set, so this is a failure, not a skip")
		}
		t.Skip(msg + ": skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(v.Width, v.Height),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	emu := chromedp.EmulateViewport(int64(v.Width), int64(v.Height))
	if v.Mobile {
		emu = chromedp.EmulateViewport(int64(v.Width), int64(v.Height), chromedp.EmulateMobile, chromedp.EmulateScale(2))
	}
	if err := chromedp.Do(ctx, emu); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return ctx
}

// ScreenshotDir returns the directory screenshots go to: $SCREENSHOT_DIR,
// else test-artifacts/screenshots at the module's root (ignored by git).
func ScreenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		wd, _ := os.Getwd()
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "test-artifacts", "screenshots")
				break
			}
			if filepath.Dir(d) == d {
				dir = filepath.Join(t.TempDir(), "screenshots")
				break
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves the whole page as dir/name.png and logs the path.
func Screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}
