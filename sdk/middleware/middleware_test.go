package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/careerchain/careerchain/internal/testkit"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

func wallet(t *testing.T, label string) chain.Wallet {
	t.Helper()
	return testkit.Keys{}.Wallet(t, label)
}

func careerTx(t *testing.T, claim chain.Claim) *chain.Tx {
	t.Helper()
	holder, pay, att := wallet(t, "holder"), wallet(t, "pay"), wallet(t, "att")
	s := chain.NewStatement(holder, "test-chain", 1, claim)
	sig, err := chain.SignStatement(holder, s)
	if err != nil {
		t.Fatal(err)
	}
	r, err := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt("sandbox", "p1", 5000, "KRW", s.Digest()))
	if err != nil {
		t.Fatal(err)
	}
	a, err := chain.Attest(att.PrivateKey(), s, r, 1700000000)
	if err != nil {
		t.Fatal(err)
	}
	return chain.NewCareerTx(s, sig, r, a)
}

type noLeader struct{ t *testing.T }

func (n noLeader) Leader(context.Context) ([]string, error) {
	n.t.Fatal("a transaction the plugins reject must not reach the network")
	return nil, nil
}

// fakePlugins rejects every claim whose end precedes its start.
type fakePlugins struct{}

func (fakePlugins) Evaluate(_ context.Context, name string, in PluginInput) PluginResult {
	c := in.Tx.Career.Statement.Claim
	if c.End != "" && c.End < c.Start {
		return PluginResult{Plugin: name, Verdict: pbft.Reject, Code: "dates", Reason: "the end precedes the start"}
	}
	return PluginResult{Plugin: name, Verdict: pbft.Accept}
}

func TestPluginsFailFast(t *testing.T) {
	ref := chain.PluginRef{Name: "career-validator", Kind: chain.KindValidator}
	p, err := New(Options{ChainID: "test-chain", Plugins: fakePlugins{}, Refs: []chain.PluginRef{ref}, Leaders: noLeader{t}})
	if err != nil {
		t.Fatal(err)
	}
	tx := careerTx(t, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2022-05-01", End: "2021-01-01"})
	res, err := p.Submit(context.Background(), tx)
	if !errors.Is(err, ErrRejected) || res == nil || len(res.Plugins) != 1 || res.Plugins[0].Code != "dates" {
		t.Fatalf("end before start: %+v %v", res, err)
	}
}

// A replica answers 503 (a failed round), then the retry is refused as a
// replay because the first attempt did commit: Submit reports that commit.
func TestRetryAfterFailedRoundReportsTheCommit(t *testing.T) {
	tx := careerTx(t, chain.Claim{Role: "Engineer", Organisation: "Acme", Start: "2020-01-01"})
	id := chain.TxID(tx)
	var posts atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/status":
			json.NewEncoder(w).Encode(map[string]any{"leader": 1, "members": []map[string]any{{"id": 1, "api": srv.URL}}})
		case r.Method == http.MethodPost && r.URL.Path == "/api/v1/tx":
			if posts.Add(1) == 1 {
				http.Error(w, `{"error":"round failed","code":"not_ready"}`, http.StatusServiceUnavailable)
				return
			}
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(map[string]string{"error": "already on chain", "code": "replay"})
		case r.URL.Path == "/api/v1/tx/"+id:
			json.NewEncoder(w).Encode(map[string]any{"txid": id, "result": "accepted", "height": 7, "index": 2})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	p, _ := New(Options{ChainID: "test-chain", Leaders: Replicas{URLs: []string{srv.URL}}, Backoff: 1})
	res, err := p.Submit(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Height != 7 || res.Index != 2 || res.Status != "accepted" || res.Attempts != 2 || posts.Load() != 2 {
		t.Fatalf("got %+v after %d posts", res, posts.Load())
	}
}
