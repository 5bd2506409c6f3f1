package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/node/ledger"
)

// A replica whose ledger has one committed transaction damaged (a byte
// flipped in every copy) starts, since it does not rely on that block,
// but answers for the block and the transaction with a clear 5xx instead
// of the damaged data, serves the rest, and with the full check refuses
// to start, saying what to do.
func TestDamagedLedgerNeverServed(t *testing.T) {
	c := newCluster(t, 1, false, nil)
	holder := wallet(t, "holder")
	var raws [][]byte
	var heights []uint64
	for k := range 5 {
		tx := c.careerTx(t, holder, uint64(k+1))
		raws = append(raws, encode(t, tx))
		heights = append(heights, c.submit(t, 0, tx).Height)
	}
	c.stop(0)
	path := filepath.Join(c.dirs[0], "ledger.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	target := raws[1]
	copies := 0
	for off := 0; ; {
		i := bytes.Index(b[off:], target)
		if i < 0 {
			break
		}
		b[off+i+len(target)/2] ^= 0x01
		copies++
		off += i + len(target)
	}
	if copies == 0 {
		t.Fatal("the transaction's bytes are not in the file")
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c.start(0)
	id := sha256.Sum256(target)
	for _, p := range []string{"/api/v1/blocks/" + itoa(heights[1]), "/api/v1/tx/" + hex.EncodeToString(id[:])} {
		resp, err := httpClient.Get(c.url(0, p))
		if err != nil {
			t.Fatal(err)
		}
		body := new(bytes.Buffer)
		body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body.String(), `"code":"damaged"`) || !strings.Contains(body.String(), "damaged") {
			t.Errorf("GET %s on a damaged block: %d %s, want 500 damaged", p, resp.StatusCode, body)
		}
		if bytes.Contains(body.Bytes(), target[10:40]) {
			t.Errorf("GET %s served the damaged transaction's bytes", p)
		}
	}
	if resp, err := httpClient.Get(c.url(0, "/api/v1/blocks/"+itoa(heights[3]))); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("an undamaged block is not served: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	c.stop(0)
	cfg := c.config(0)
	cfg.FullCheck = true
	nd, err := New(cfg)
	if err == nil {
		nd.Close()
		t.Fatal("the full check started a replica on a damaged ledger")
	}
	if !errors.Is(err, ledger.ErrCorrupt) || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("refusal %q does not say what to do", err)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
