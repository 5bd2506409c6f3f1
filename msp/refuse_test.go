package msp

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// newBareMSP is an MSP with no replicas running: enough for the checks
// that do not need the chain.
func newBareMSP(t *testing.T, difficulty uint8) (*Service, *cluster, *httptest.Server) {
	return newBareMSPWith(t, difficulty, nil)
}

// newBareMSPWith is newBareMSP with tune applied to the MSP's Config.
func newBareMSPWith(t *testing.T, difficulty uint8, tune func(*Config)) (*Service, *cluster, *httptest.Server) {
	c := &cluster{t: t, operator: wallet(t, "operator"), mspKey: wallet(t, "msp")}
	c.genesis = &genesis.Genesis{ChainID: testChain, Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Config: genesis.ChainConfig{PoWDifficulty: difficulty, ConfigSigners: []string{c.operator.KeyHex(), c.mspKey.KeyHex()}}}
	for i := 1; i <= 4; i++ {
		k := nodeKeys(i)
		_, pub := pbft.NewMLDSASigner(k.SignSeed)
		c.genesis.Members = append(c.genesis.Members, genesis.Member{ID: uint64(i), SignKey: hex.EncodeToString(pub),
			NetKey: hex.EncodeToString(k.NetKey.Public().(ed25519.PublicKey)), Addr: "mem:1", API: "http://127.0.0.1:1"})
	}
	cfg := Config{Genesis: c.genesis, Key: c.mspKey.PrivateKey(), OperatorKeys: []string{c.operator.KeyHex()},
		DBPath: filepath.Join(t.TempDir(), "msp.db"), Logger: testLogger(t, "msp")}
	if tune != nil {
		tune(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	c.mspURL = srv.URL
	return s, c, srv
}

func TestJoinRefusals(t *testing.T) {
	_, c, srv := newBareMSP(t, 8)
	mine := func(jr *client.JoinRequest) {
		jr.PoW = 0
		for {
			d, _ := jr.PoWData()
			if chainStampOK(d, jr.PoW, 8) {
				return
			}
			jr.PoW++
		}
	}
	signed := func(k int, edit func(*client.JoinRequest)) *client.JoinRequest {
		jr := c.joinRequest(t, k, "http://127.0.0.1:9")
		if edit != nil {
			edit(jr)
		}
		mine(jr)
		return jr
	}
	stranger := wallet(t, "stranger").PrivateKey()
	tests := []struct {
		name string
		req  *client.JoinRequest
		code int
		want string
	}{
		{"forged node signature", signed(6, func(jr *client.JoinRequest) { jr.Addr = "mem:99" }), 401, "not signed by sign_key"},
		{"credential by a non-operator", signed(7, func(jr *client.JoinRequest) {
			cred, _ := IssueCredential(stranger, testChain, jr.SignKey, jr.NetKey, time.Now().Add(time.Hour))
			*jr = *c.joinRequestWith(t, 7, cred)
		}), 401, "not an operator key"},
		{"credential for other keys", signed(8, func(jr *client.JoinRequest) {
			other := c.joinRequest(t, 9, "http://127.0.0.1:9")
			*jr = *c.joinRequestWith(t, 8, other.Credential)
		}), 401, "does not match these keys"},
		{"expired credential", signed(10, func(jr *client.JoinRequest) {
			cred, _ := IssueCredential(c.operator.PrivateKey(), testChain, jr.SignKey, jr.NetKey, time.Now().Add(-time.Minute))
			*jr = *c.joinRequestWith(t, 10, cred)
		}), 401, "expired"},
		{"key already a member", signed(1, nil), 409, "belongs to member 1"},
		{"wrong chain", signed(11, func(jr *client.JoinRequest) { jr.ChainID = "other" }), 400, "chain_id"},
		{"no proof of work", func() *client.JoinRequest {
			jr := signed(12, nil)
			jr.PoW++
			d, _ := jr.PoWData()
			for chainStampOK(d, jr.PoW, 8) {
				jr.PoW++
			}
			return jr
		}(), 400, "leading zero bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := postJSON(t, srv.URL+"/api/v1/join", tc.req, nil)
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Fatalf("got %d %q, want %d containing %q", code, msg, tc.code, tc.want)
			}
		})
	}
	t.Run("replayed join", func(t *testing.T) {
		jr := signed(13, nil)
		if code, msg := postJSON(t, srv.URL+"/api/v1/join", jr, nil); code != 202 {
			t.Fatalf("first join: %d %s", code, msg)
		}
		if code, msg := postJSON(t, srv.URL+"/api/v1/join", jr, nil); code != 409 || !strings.Contains(msg, "already accepted") {
			t.Fatalf("replay: %d %s", code, msg)
		}
		// A fresh request with the same keys is refused too: they are in use.
		jr2 := signed(13, func(jr *client.JoinRequest) { jr.Time++ })
		jr2 = c.resign(t, 13, jr2)
		mine(jr2)
		if code, msg := postJSON(t, srv.URL+"/api/v1/join", jr2, nil); code != 409 || !strings.Contains(msg, "already used by node") {
			t.Fatalf("same keys again: %d %s", code, msg)
		}
	})
	t.Run("malformed body", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/api/v1/join", "application/json", strings.NewReader(`{"chain_id":1}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func TestAdminRefusals(t *testing.T) {
	_, c, srv := newBareMSP(t, 0)
	body := []byte(`{"id":2}`)
	req := func(sign func(*http.Request)) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/admin/leader", bytes.NewReader(body))
		if sign != nil {
			sign(r)
		}
		return r
	}
	stranger := wallet(t, "stranger").PrivateKey()
	replayed := req(func(r *http.Request) { client.SignAdmin(r, c.operator.PrivateKey(), body, time.Now()) })
	tests := []struct {
		name string
		r    *http.Request
		code int
		want string
	}{
		{"no credential", req(nil), 401, "need the"},
		{"not an operator", req(func(r *http.Request) { client.SignAdmin(r, stranger, body, time.Now()) }), 401, "not an operator key"},
		{"signature over another body", req(func(r *http.Request) { client.SignAdmin(r, c.operator.PrivateKey(), []byte(`{"id":3}`), time.Now()) }), 401, "bad signature"},
		{"stale timestamp", req(func(r *http.Request) {
			client.SignAdmin(r, c.operator.PrivateKey(), body, time.Now().Add(-10*time.Minute))
		}), 401, "from the MSP's clock"},
		{"valid call, no replica reachable", replayed, 503, ""},
		{"replayed call", req(func(r *http.Request) {
			for _, h := range []string{client.HeaderKey, client.HeaderTime, client.HeaderSig} {
				r.Header.Set(h, replayed.Header.Get(h))
			}
		}), 409, "already made"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { expectRefusal(t, tc.r, tc.code, tc.want) })
	}
	_, err := Admin(context.Background(), hc, srv.URL, stranger, "remove", 1, time.Now())
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("client helper: %v", err)
	}
}

func postJSON(t *testing.T, url string, v any, out any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := hc.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error
}

// expectRefusal sends r and checks the status and that the JSON error
// names the reason.
func expectRefusal(t *testing.T, r *http.Request, code int, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := hc.Do(r.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e struct{ Error string }
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != code || !strings.Contains(e.Error, want) {
		t.Fatalf("got %d %q, want %d containing %q", resp.StatusCode, e.Error, code, want)
	}
}
