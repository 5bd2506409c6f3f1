package portal

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/careerchain/careerchain/sdk/chain"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "home", struct{ Bye bool }{r.URL.Query().Get("bye") != ""})
	return nil
}

// searchPage takes what a person typed: an e-mail, an address or a TxID.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	lower := strings.ToLower(q)
	switch {
	case q == "":
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	case strings.Contains(q, "@"):
		return s.searchEmail(w, r, q)
	case strings.HasPrefix(lower, chain.AddressPrefix):
		addr, err := checkAddress(q)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/a/"+addr, http.StatusSeeOther)
		return nil
	case isHex(lower) && len(lower) >= 32:
		id, err := checkTxID(lower)
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/tx/"+id, http.StatusSeeOther)
		return nil
	}
	return userErr(ErrBadSearch, "err.search.body")
}

type resultsData struct {
	Email     string
	Addresses []string
}

// searchEmail finds the addresses of findable accounts with this verified
// e-mail. It is rate-limited, and takes at least SearchFloor whether it
// finds something or not.
func (s *Server) searchEmail(w http.ResponseWriter, r *http.Request, email string) error {
	if !s.search.allow(clientIP(r)) {
		return userErr(ErrTooManySearches, "err.toomany.body")
	}
	start := time.Now()
	addrs, err := s.o.Store.FindByEmail(r.Context(), email)
	if wait := s.o.SearchFloor - time.Since(start); wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return r.Context().Err()
		}
	}
	if err != nil {
		return err
	}
	if len(addrs) == 1 {
		http.Redirect(w, r, "/a/"+addrs[0], http.StatusSeeOther)
		return nil
	}
	status := http.StatusOK
	if len(addrs) == 0 {
		status = http.StatusNotFound
	}
	s.render(w, r, status, "results", resultsData{Email: email, Addresses: addrs})
	return nil
}

// careerItem is one career record as a page lists it.
type careerItem struct {
	TxID         string
	Claim        chain.Claim
	Amends       string
	Status       string // "active", "superseded", "revoked"
	SupersededBy string
	RevokedBy    string
	Reason       string
	Height       uint64
	Index        uint32
	Time         int64
}

type profileData struct {
	Address string
	Careers []careerItem
	Mine    bool
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	addr, err := checkAddress(chi.URLParam(r, "addr"))
	if err != nil {
		return err
	}
	entries, err := s.o.Chain.Careers(r.Context(), addr)
	if err != nil {
		return err
	}
	var items []careerItem
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	sem := make(chan struct{}, 4)
	for _, e := range entries {
		if e.Type != chain.TypeRegister && e.Type != chain.TypeAmend {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := s.o.Chain.Tx(r.Context(), e.TxID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			if v.Tx == nil || v.Tx.Career == nil || v.Result != "accepted" || v.Tx.Career.Statement.Holder != addr {
				return
			}
			items = append(items, itemOf(v, e.Index))
		}()
	}
	wg.Wait()
	if firstErr != nil && !errors.Is(firstErr, ErrNotFound) {
		return firstErr
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].Height != items[j].Height {
			return items[i].Height > items[j].Height
		}
		return items[i].Index > items[j].Index
	})
	d := profileData{Address: addr, Careers: items}
	if u := userFrom(r.Context()); u != nil {
		ws, _ := s.o.Store.Wallets(r.Context(), u.account.ID)
		for _, wlt := range ws {
			d.Mine = d.Mine || wlt.Address == addr
		}
	}
	s.render(w, r, http.StatusOK, "profile", d)
	return nil
}

func itemOf(v *TxView, index uint32) careerItem {
	c := v.Tx.Career
	it := careerItem{TxID: v.TxID, Claim: c.Statement.Claim, Amends: c.Statement.Supersedes, Status: "active",
		Height: v.Height, Index: index, Time: v.Block.Time}
	if rv := v.Record; rv != nil {
		it.Status, it.SupersededBy, it.RevokedBy, it.Reason = rv.Status, rv.SupersededBy, rv.RevokedBy, rv.Reason
	}
	return it
}

type careerData struct {
	careerItem
	Holder string
	Block  BlockInfo
	Result string
	// ResultReason is why the chain rejected the transaction; the
	// record's own Reason (careerItem) is why it was revoked.
	ResultReason string
	Kind         string // "career", "revoke", "config"
	Revokes      string
	RevokeWhy    string
	Attester     string
	Paid         string
	Evidence     int
	Share        shareView // verification in the browser and sharing (share.go)
}

// careerDataOf is what a record's pages (career, print) show of v.
func (s *Server) careerDataOf(v *TxView) careerData {
	d := careerData{Block: v.Block, Result: v.Result, ResultReason: v.Reason}
	d.TxID, d.Height = v.TxID, v.Height
	switch {
	case v.Tx != nil && v.Tx.Career != nil:
		d.Kind = "career"
		d.careerItem = itemOf(v, uint32(v.Index))
		c := v.Tx.Career
		d.Holder, d.Attester, d.Evidence = c.Statement.Holder, c.Attestation.Attester, len(c.Statement.Claim.Evidence)
		d.Paid = formatMoney(c.Receipt.Amount, c.Receipt.Currency)
		d.Share = s.shareOf(d.careerItem)
	case v.Tx != nil && v.Tx.Revoke != nil:
		d.Kind, d.Revokes, d.RevokeWhy = "revoke", v.Tx.Revoke.Target, v.Tx.Revoke.Reason
	default:
		d.Kind = "config"
	}
	return d
}

// txOf returns the committed transaction the request's {txid} names; a
// malformed TxID or one the chain does not have is a page that says so.
func (s *Server) txOf(r *http.Request) (*TxView, error) {
	id, err := checkTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return nil, err
	}
	v, err := s.o.Chain.Tx(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return nil, userErr(ErrNotFound, "err.notfound.tx", "txid", id)
	}
	return v, err
}

// career shows one transaction by TxID, in words.
func (s *Server) career(w http.ResponseWriter, r *http.Request) error {
	v, err := s.txOf(r)
	if err != nil {
		return err
	}
	d := s.careerDataOf(v)
	if d.Kind == "career" { // the record's page runs the verifier
		w.Header().Set("Content-Security-Policy", cspWasm)
	}
	s.render(w, r, http.StatusOK, "career", d)
	return nil
}

func formatMoney(amount int64, currency string) string {
	switch currency {
	case "KRW":
		return "₩" + groupDigits(amount)
	case "JPY":
		return "¥" + groupDigits(amount)
	}
	return groupDigits(amount/100) + fmt.Sprintf(".%02d ", amount%100) + currency
}

// groupDigits writes n with a comma between groups of three digits.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c != '-' && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// proof sends the proof bundle as a file to download.
func (s *Server) proof(w http.ResponseWriter, r *http.Request) error {
	id, err := checkTxID(chi.URLParam(r, "txid"))
	if err != nil {
		return err
	}
	b, err := s.o.Chain.Proof(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return userErr(ErrNotFound, "err.notfound.tx", "txid", id)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="careerchain-proof-`+id[:16]+`.json"`)
	w.Write(b)
	return nil
}
