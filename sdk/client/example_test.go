package client_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/careerchain/careerchain/sdk/client"
	"github.com/careerchain/careerchain/sdk/verify"
)

// fakeAPI serves canned answers in the wire types, as a replica or the
// MSP would.
func fakeAPI() *httptest.Server {
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	txid := strings.Repeat("ab", 32)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { write(w, 200, client.Health{Status: "ok"}) })
	mux.HandleFunc("GET /api/v1/status", func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "msp.test" {
			write(w, 200, client.MSPStatus{ChainID: "demo", N: 4, F: 1, Leader: 2, Height: 9})
			return
		}
		write(w, 200, client.Status{ID: 1, ChainID: "demo", Leader: 2, Height: 9, Members: []client.StatusMember{{ID: 1}, {ID: 2}}})
	})
	mux.HandleFunc("POST /api/v1/tx", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("wait") == "1" {
			write(w, 200, client.SubmitResult{TxID: txid, Status: client.TxAccepted, Height: 10})
			return
		}
		write(w, 202, client.SubmitResult{TxID: txid, Status: client.TxPending})
	})
	mux.HandleFunc("GET /api/v1/tx/{txid}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("txid") != txid {
			write(w, 404, client.ErrorBody{Error: "node: not found: no transaction on chain", Code: client.CodeNotFound})
			return
		}
		write(w, 200, client.TxView{TxID: txid, Result: client.TxAccepted, Height: 10, Record: &client.RecordView{Status: "active"}})
	})
	mux.HandleFunc("GET /api/v1/tx/{txid}/proof", func(w http.ResponseWriter, r *http.Request) {
		write(w, 200, verify.Bundle{Version: verify.Version, ChainID: "demo", Inclusion: verify.Inclusion{TxID: txid},
			Status: verify.Status{State: verify.StateActive, AsOf: 12}})
	})
	mux.HandleFunc("GET /api/v1/address/{addr}/careers", func(w http.ResponseWriter, r *http.Request) {
		page := client.CareerPage{Address: r.PathValue("addr")}
		switch r.URL.Query().Get("after") {
		case "":
			page.Items = []client.CareerEntry{{TxID: "t1", Type: "career.register", Height: 3}, {TxID: "t2", Type: "career.amend", Height: 5}}
			page.Next = "t2"
		case "t2":
			page.Items = []client.CareerEntry{{TxID: "t3", Type: "career.revoke", Height: 8}}
		}
		write(w, 200, page)
	})
	mux.HandleFunc("GET /api/v1/blocks/{height}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("raw") == "1" {
			write(w, 200, client.RawBlock{Height: 3, Block: []byte{1, 2}, Certificate: []byte{3}})
			return
		}
		write(w, 200, client.BlockView{Header: client.BlockHeader{Height: 3, TxCount: 1}, Results: []client.TxResult{{Result: client.TxAccepted}}})
	})
	mux.HandleFunc("GET /api/v1/membership", func(w http.ResponseWriter, r *http.Request) {
		write(w, 200, client.MembershipHistory{ChainID: "demo", Height: 9, History: []client.MembershipEntry{{From: 1, Members: make([]verify.Member, 4)}}})
	})
	mux.HandleFunc("POST /api/v1/join", func(w http.ResponseWriter, r *http.Request) {
		write(w, 202, client.JoinAnswer{ID: 5, State: client.StatePending, ChainID: "demo"})
	})
	mux.HandleFunc("GET /api/v1/join/{id}", func(w http.ResponseWriter, r *http.Request) {
		write(w, 200, client.JoinAnswer{ID: 5, State: client.StateMember, ChainID: "demo"})
	})
	mux.HandleFunc("POST /api/v1/admin/{action}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(client.HeaderSig) == "" {
			write(w, 401, client.ErrorBody{Error: "unsigned", Code: client.CodeUnauthorized})
			return
		}
		var req client.AdminRequest
		json.NewDecoder(r.Body).Decode(&req)
		write(w, 200, client.AdminAnswer{Action: r.PathValue("action"), ID: req.ID, Status: "committed"})
	})
	return httptest.NewServer(mux)
}

func mustNew(base string) *client.Client {
	c, err := client.New(base, client.Options{})
	if err != nil {
		panic(err)
	}
	return c
}

func ExampleNew() {
	srv := fakeAPI()
	defer srv.Close()
	c, err := client.New(srv.URL, client.Options{Retries: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Health(context.Background()))
	_, err = client.New("127.0.0.1:8401", client.Options{})
	fmt.Println(errors.Is(err, client.ErrInvalid))
	// Output:
	// <nil>
	// true
}

func ExampleClient_Status() {
	srv := fakeAPI()
	defer srv.Close()
	st, err := mustNew(srv.URL).Status(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.ChainID, st.Height, st.Leader, len(st.Members))
	// Output: demo 9 2 2
}

func ExampleClient_Submit() {
	srv := fakeAPI()
	defer srv.Close()
	r, err := mustNew(srv.URL).Submit(context.Background(), []byte(`{"type":"career.register"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	// Output: pending
}

func ExampleClient_SubmitAndWait() {
	srv := fakeAPI()
	defer srv.Close()
	r, err := mustNew(srv.URL).SubmitAndWait(context.Background(), []byte(`{"type":"career.register"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status, r.Height)
	// Output: accepted 10
}

func ExampleClient_Tx() {
	srv := fakeAPI()
	defer srv.Close()
	c := mustNew(srv.URL)
	v, err := c.Tx(context.Background(), strings.Repeat("ab", 32))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Result, v.Height, v.Record.Status)
	_, err = c.Tx(context.Background(), strings.Repeat("cd", 32))
	fmt.Println(errors.Is(err, client.ErrNotFound), string(client.CodeOf(err)))
	// Output:
	// accepted 10 active
	// true not_found
}

func ExampleClient_Proof() {
	srv := fakeAPI()
	defer srv.Close()
	b, err := mustNew(srv.URL).Proof(context.Background(), strings.Repeat("ab", 32))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Verify it offline with verify.Verify against the genesis you trust.
	fmt.Println(b.Version, b.ChainID, b.Status.State)
	// Output: 1 demo active
}

func ExampleClient_Careers() {
	srv := fakeAPI()
	defer srv.Close()
	page, err := mustNew(srv.URL).Careers(context.Background(), "cc1demo", client.PageOptions{Limit: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(page.Items), page.Next)
	// Output: 2 t2
}

func ExampleClient_AllCareers() {
	srv := fakeAPI()
	defer srv.Close()
	for e, err := range mustNew(srv.URL).AllCareers(context.Background(), "cc1demo", 2) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.TxID, e.Type)
	}
	// Output:
	// t1 career.register
	// t2 career.amend
	// t3 career.revoke
}

func ExampleClient_Block() {
	srv := fakeAPI()
	defer srv.Close()
	b, err := mustNew(srv.URL).Block(context.Background(), 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b.Header.Height, b.Header.TxCount, b.Results[0].Result)
	// Output: 3 1 accepted
}

func ExampleClient_RawBlock() {
	srv := fakeAPI()
	defer srv.Close()
	rb, err := mustNew(srv.URL).RawBlock(context.Background(), 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Decode with pbft.DecodeBlock and check the certificate before use.
	fmt.Println(rb.Height, len(rb.Block), len(rb.Certificate))
	// Output: 3 2 1
}

func ExampleClient_Membership() {
	srv := fakeAPI()
	defer srv.Close()
	h, err := mustNew(srv.URL).Membership(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(h.History), h.History[0].From, len(h.History[0].Members))
	// Output: 1 1 4
}

func ExampleClient_MSPStatus() {
	srv := fakeAPI()
	defer srv.Close()
	// The fake tells the MSP from a replica by the Host header.
	c, _ := client.New(srv.URL, client.Options{HTTPClient: &http.Client{Transport: hostRewriter{"msp.test"}}})
	st, err := c.MSPStatus(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.N, st.F, st.Leader)
	// Output: 4 1 2
}

func ExampleClient_AnyStatus() {
	srv := fakeAPI()
	defer srv.Close()
	// A command that takes "a replica's or the MSP's URL" reads either.
	replica := mustNew(srv.URL)
	msp, _ := client.New(srv.URL, client.Options{HTTPClient: &http.Client{Transport: hostRewriter{"msp.test"}}})
	for _, c := range []*client.Client{replica, msp} {
		st, err := c.AnyStatus(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		if st.MSP != nil {
			fmt.Println("MSP, members:", st.MSP.N, "leader:", st.MSP.Leader)
		} else {
			fmt.Println("replica", st.Replica.ID, "leader:", st.Replica.Leader)
		}
	}
	// Output:
	// replica 1 leader: 2
	// MSP, members: 4 leader: 2
}

type hostRewriter struct{ host string }

func (h hostRewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return http.DefaultTransport.RoundTrip(r)
}

func ExampleClient_Join() {
	srv := fakeAPI()
	defer srv.Close()
	a, err := mustNew(srv.URL).Join(context.Background(), &client.JoinRequest{ChainID: "demo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.ID, a.State)
	// Output: 5 pending
}

func ExampleClient_JoinState() {
	srv := fakeAPI()
	defer srv.Close()
	a, err := mustNew(srv.URL).JoinState(context.Background(), 5)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.ID, a.State)
	// Output: 5 member
}

func ExampleClient_Admin() {
	srv := fakeAPI()
	defer srv.Close()
	seed := sha256.Sum256([]byte("operator"))
	op := ed25519.NewKeyFromSeed(seed[:])
	a, err := mustNew(srv.URL).Admin(context.Background(), op, client.ActionLeader, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Action, a.ID, a.Status)
	// Output: leader 3 committed
}

func ExampleClient_Health() {
	srv := fakeAPI()
	defer srv.Close()
	fmt.Println(mustNew(srv.URL).Health(context.Background()))
	// Output: <nil>
}
