package portal

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	"github.com/careerchain/careerchain/sdk/genesis"
)

// This file serves what the in-browser verifier needs: the Wasm module of
// portal/verifier with Go's wasm_exec.js, the genesis file it checks bundles
// against, and the verifier page. The check itself runs in the visitor's
// browser (web/static/verify.js); the server only hands out files.

// cspWasm is the Content-Security-Policy of the pages that run the
// verifier: the default one with exactly 'wasm-unsafe-eval' added to
// script-src, which WebAssembly compilation needs and which allows no
// JavaScript eval.
const cspWasm = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// verifierFiles are the static names of the verifier's two files.
const (
	verifierWasm    = "verify.wasm"
	verifierSupport = "wasm_exec.js"
)

// trustRoot is the genesis the portal hands to the verifier, with what the
// page shows of it.
type trustRoot struct {
	raw     []byte
	chainID string
	hash    string // hex, as sdk/genesis defines it
}

func newTrustRoot(b []byte) (*trustRoot, error) {
	if len(b) == 0 {
		return nil, nil
	}
	g, err := genesis.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("portal: Options.Genesis: %w", err)
	}
	h, err := g.Hash()
	if err != nil {
		return nil, fmt.Errorf("portal: Options.Genesis: %w", err)
	}
	return &trustRoot{raw: bytes.Clone(b), chainID: g.ChainID, hash: hex.EncodeToString(h[:])}, nil
}

// installVerifier adds the verifier's files to the assets: those of
// Options when given, else the copies `make verifier` put beside the
// other static files. It reports whether the verifier can run.
func (a *assets) installVerifier(wasm, support []byte) bool {
	if len(wasm) > 0 && len(support) > 0 {
		a.add(verifierWasm, wasm)
		a.add(verifierSupport, support)
	}
	_, w := a.byName[verifierWasm]
	_, s := a.byName[verifierSupport]
	return w && s
}

// add serves b under a hashed form of name (replacing a file of that name)
// and keeps a gzip copy of a Wasm module, which shrinks to about a quarter.
func (a *assets) add(name string, b []byte) {
	if old, ok := a.byName[name]; ok {
		delete(a.byHashed, old)
		delete(a.gzipped, old)
	}
	sum := sha256.Sum256(b)
	dot := strings.LastIndexByte(name, '.')
	h := name[:dot] + "." + hex.EncodeToString(sum[:5]) + name[dot:]
	a.byName[name], a.byHashed[h] = h, b
	if strings.HasSuffix(name, ".wasm") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(b)
		zw.Close()
		a.gzipped[h] = buf.Bytes()
	}
}

// verifierView is what the verifier's markup needs on a page.
type verifierView struct {
	Ready   bool   // the module is installed
	Wasm    string // its URL
	Support string // wasm_exec.js's URL
	Genesis bool   // the portal has a genesis to offer
	ChainID string
	Hash    string
}

func (s *Server) verifierView() verifierView {
	v := verifierView{Ready: s.verifierReady}
	if v.Ready {
		v.Wasm, v.Support = s.assets.url(verifierWasm), s.assets.url(verifierSupport)
	}
	if s.trust != nil {
		v.Genesis, v.ChainID, v.Hash = true, s.trust.chainID, s.trust.hash
	}
	return v
}

// genesisFile serves the genesis the verifier checks against. A visitor
// who does not want to trust the portal for it uses their own file on the
// verifier page; the page pins the hash it first saw (verify.js).
func (s *Server) genesisFile(w http.ResponseWriter, r *http.Request) error {
	if s.trust == nil {
		return userErr(ErrNotFound, "verify.nogenesis")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.trust.raw)
	return nil
}

type verifyPageData struct {
	V    verifierView
	TxID string // a record to check straight away, from ?tx=
}

// verifyPage checks a proof file or a credential the visitor pastes or
// uploads, in the browser.
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	d := verifyPageData{V: s.verifierView()}
	if q := r.URL.Query().Get("tx"); q != "" {
		id, err := checkTxID(q)
		if err != nil {
			return err
		}
		d.TxID = id
	}
	w.Header().Set("Content-Security-Policy", cspWasm)
	s.render(w, r, http.StatusOK, "verify", d)
	return nil
}
