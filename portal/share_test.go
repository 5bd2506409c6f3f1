package portal

import (
	"html"
	"image"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/careerchain/careerchain/sdk/chain"
)

var (
	svgBox    = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`)
	svgModule = regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`)
)

// rasterize paints the QR code's SVG (the unit squares qrSVG draws) into
// an image, 6 pixels a module, as a screen or printer would.
func rasterize(t *testing.T, svg string) image.Image {
	t.Helper()
	m := svgBox.FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no viewBox in %.100s", svg)
	}
	n, _ := strconv.Atoi(m[1])
	const px = 6
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for _, mod := range svgModule.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(mod[1])
		y, _ := strconv.Atoi(mod[2])
		for dy := range px {
			for dx := range px {
				img.SetGray(x*px+dx, y*px+dy, color.Gray{})
			}
		}
	}
	return img
}

// TestQRCodeDecodesToShareURL decodes the QR code the portal serves back
// to the record's share link.
func TestQRCodeDecodesToShareURL(t *testing.T) {
	e := newEnv(t, nil)
	id := e.chain.addCareer(goodAddr, 4, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01"}, nil)
	resp, svg := e.browser().get("/tx/" + id + "/qr.svg")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("qr.svg: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(rasterize(t, svg))
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	if want := e.portal.URL + "/tx/" + id; res.GetText() != want {
		t.Fatalf("the QR code says %q, want %q", res.GetText(), want)
	}
	if resp, _ := e.browser().get("/tx/not-a-txid/qr.svg"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a QR code of no TxID: %d", resp.StatusCode)
	}
}

// TestCareerPageShares: the career page carries the share link, the QR
// code, LinkedIn's add-to-profile link for this record, the print view
// and the credential; the print view is one page with the QR code.
func TestCareerPageShares(t *testing.T) {
	e := newEnv(t, nil)
	id := e.chain.addCareer(goodAddr, 4, chain.Claim{Role: "Data <engineer>", Organisation: "Acme & Co", Start: "2020-01-01"}, nil)
	b := e.browser()
	_, body := b.get("/tx/" + id)
	for _, want := range []string{`value="` + e.portal.URL + "/tx/" + id + `"`, `src="/tx/` + id + `/qr.svg"`, `href="/tx/` + id + `/print"`,
		`href="/tx/` + id + `/credential"`, `href="/tx/` + id + `/proof"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the career page lacks %s", want)
		}
	}
	m := regexp.MustCompile(`href="(https://www\.linkedin\.com/profile/add\?[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no LinkedIn link")
	}
	u, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("startTask") != "CERTIFICATION_NAME" || q.Get("name") != "Data <engineer> — Acme & Co" || q.Get("certUrl") != e.portal.URL+"/tx/"+id ||
		q.Get("certId") != id || q.Get("issueYear") != "2026" || q.Get("issueMonth") != "3" || q.Get("organizationName") != "Careerchain" {
		t.Fatalf("LinkedIn link %s", u)
	}
	resp, page := b.get("/tx/" + id + "/print")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `src="/tx/`+id+`/qr.svg"`) || !strings.Contains(page, "Data &lt;engineer&gt;") {
		t.Fatalf("print view %d:\n%s", resp.StatusCode, page)
	}
}
