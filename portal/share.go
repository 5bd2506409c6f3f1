package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/go-chi/chi/v5"
)

// This file registers part 3 of the public pages (verification in the
// browser, sharing, credentials, the network picture) and serves sharing:
// the share link, its QR code as SVG, LinkedIn's add-to-profile link and a
// one-page print view.

// public holds what those pages need beyond the Server's own fields.
type public struct {
	o Options
}

func newPublic(o Options) (*public, error) {
	return &public{o: o}, nil
}

// publicRoutes registers the routes of this part; routes() calls it once.
func (s *Server) publicRoutes(r chi.Router) {
	r.Get("/genesis.json", s.adapt(s.genesisFile))
	r.Get("/verify", s.adapt(s.verifyPage))
	r.Get("/tx/{txid}/qr.svg", s.adapt(s.qrCode))
	r.Get("/tx/{txid}/print", s.adapt(s.printPage))
	r.Get("/tx/{txid}/credential", s.adapt(s.credential))
	r.Get("/ns/career/v1", s.careerContext)
	r.Get("/network", s.adapt(s.networkPage))
	r.Get("/network/events", s.adapt(s.networkEvents))
	r.Post("/network/admin", s.adapt(s.networkAdmin))
}

// shareView is what the career page shows to share a record.
type shareView struct {
	URL      string // the career page's address
	LinkedIn string // LinkedIn's add-to-profile link
	Verifier verifierView
}

// shareURL is the address that opens a record's page.
func (s *Server) shareURL(txid string) string { return s.o.PublicURL + "/tx/" + txid }

// shareOf returns the share view of a career record.
func (s *Server) shareOf(it careerItem) shareView {
	return shareView{URL: s.shareURL(it.TxID), LinkedIn: linkedInURL(it, s.shareURL(it.TxID)), Verifier: s.verifierView()}
}

// linkedInURL is LinkedIn's "Add to Profile" link for a certification
// (https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&…):
// the record's role at its organisation as the name, Careerchain as the
// issuing organisation, the month the block committed it as the issue
// date, the career page as the credential URL and the TxID as its id.
func linkedInURL(it careerItem, page string) string {
	q := url.Values{}
	q.Set("startTask", "CERTIFICATION_NAME")
	q.Set("name", it.Claim.Role+" — "+it.Claim.Organisation)
	q.Set("organizationName", "Careerchain")
	if it.Time > 0 {
		t := time.UnixMilli(it.Time).UTC()
		q.Set("issueYear", fmt.Sprint(t.Year()))
		q.Set("issueMonth", fmt.Sprint(int(t.Month())))
	}
	q.Set("certUrl", page)
	q.Set("certId", it.TxID)
	return "https://www.linkedin.com/profile/add?" + q.Encode()
}

// qrSVG draws the QR code of text as an SVG image: one path of unit
// squares over a white square with the four-module quiet zone the standard
// asks for. Error correction level M survives a smudged print.
func qrSVG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("portal: QR code: %w", err)
	}
	n := code.Bounds().Dx()
	const quiet = 4
	size := n + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y := range n {
		for x := range n {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return []byte(b.String()), nil
}

// qrCode serves the QR code of a record's share link.
func (s *Server) qrCode(w http.ResponseWriter, r *http.Request) error {
	id, err := checkTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return err
	}
	svg, err := qrSVG(s.shareURL(id))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(svg)
	return nil
}

// printPage is the record on one page with its QR code, for paper.
func (s *Server) printPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.txOf(r)
	if err != nil {
		return err
	}
	if v.Tx == nil || v.Tx.Career == nil {
		http.Redirect(w, r, "/tx/"+chi.URLParam(r, "txid"), http.StatusSeeOther)
		return nil
	}
	d := s.careerDataOf(v)
	s.render(w, r, http.StatusOK, "print", d)
	return nil
}
