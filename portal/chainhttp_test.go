package portal

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTPChainTriesReplicas: a replica that is down or failing is
// skipped, a "not found" is believed only when no replica has the thing,
// and the MSP's member list is followed.
func TestHTTPChainTriesReplicas(t *testing.T) {
	id := strings.Repeat("ab", 32)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"damaged"}`, http.StatusInternalServerError)
	}))
	defer failing.Close()
	lagging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"no such tx"}`, http.StatusNotFound)
	}))
	defer lagging.Close()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"txid":"` + id + `","result":"accepted","height":7,"block":{"height":7,"digest":"cd","time":1}}`))
	}))
	defer good.Close()
	ctx := context.Background()
	for i := 0; i < 3; i++ { // whichever replica the rotation starts at
		c, _ := NewHTTPChain([]string{failing.URL, lagging.URL, good.URL}, "", nil)
		if v, err := c.Tx(ctx, id); err != nil || v.Height != 7 {
			t.Fatalf("with one good replica: %+v %v", v, err)
		}
	}
	c, _ := NewHTTPChain([]string{failing.URL, lagging.URL}, "", nil)
	if _, err := c.Tx(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no replica has it: %v", err)
	}
	if got, err := c.Careers(ctx, goodAddr); err != nil || len(got) != 0 {
		t.Fatalf("careers of an address with none: %v %v", got, err)
	}
	down := httptest.NewServer(nil)
	down.Close()
	c, _ = NewHTTPChain([]string{failing.URL, down.URL}, "", nil)
	if _, err := c.Tx(ctx, id); !errors.Is(err, ErrChainDown) {
		t.Fatalf("no replica answers: %v", err)
	}
	msp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"members":[{"id":1,"api":"` + good.URL + `"}]}`))
	}))
	defer msp.Close()
	c, _ = NewHTTPChain(nil, msp.URL, nil)
	if v, err := c.Tx(ctx, id); err != nil || v.Height != 7 {
		t.Fatalf("through the MSP's member list: %+v %v", v, err)
	}
	if _, err := NewHTTPChain(nil, "", nil); err == nil {
		t.Fatal("a chain with no replicas and no MSP was accepted")
	}
}
