package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func refuse(w http.ResponseWriter, status int, code Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(`{"error":"` + msg + `","code":"` + string(code) + `"}`))
}

func newTest(t *testing.T, h http.HandlerFunc, o Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.Backoff = time.Millisecond
	c, err := New(srv.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Each failure is one clear category, with the server's code and message.
func TestErrorCategories(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   Code
		want   error
	}{
		{404, CodeNotFound, ErrNotFound},
		{400, CodeBadTxID, ErrInvalid},
		{413, CodeTooLarge, ErrInvalid},
		{401, CodeUnauthorized, ErrUnauthorized},
		{409, CodeReplay, ErrConflict},
		{422, CodeRejected, ErrRejected},
		{503, CodeBusy, ErrBusy},
		{504, CodeTimeout, ErrTimeout},
		{500, CodeInternal, ErrInternal},
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			c := newTest(t, func(w http.ResponseWriter, r *http.Request) { refuse(w, tc.status, tc.code, "because") }, Options{Retries: -1})
			_, err := c.Tx(context.Background(), "ab")
			var e *Error
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.code) || !errors.As(err, &e) || e.Message != "because" || e.Status != tc.status {
				t.Errorf("Tx: %v, want %v with code %s", err, tc.want, tc.code)
			}
			if CodeOf(err) != tc.code {
				t.Errorf("CodeOf = %q", CodeOf(err))
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c, _ := New(srv.URL, Options{Backoff: time.Millisecond})
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("Status of a closed server: %v", err)
	}
}

func TestBadResponse(t *testing.T) {
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, Options{})
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("Status: %v", err)
	}
	big := newTest(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(strings.Repeat(" ", 200))) }, Options{MaxResponseBytes: 100})
	if _, err := big.Status(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Errorf("oversized answer: %v", err)
	}
}

// A GET is retried on 503; a POST never is.
func TestRetriesOnlyWhatIsSafe(t *testing.T) {
	var gets, posts atomic.Int32
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			if gets.Add(1) < 3 {
				refuse(w, 503, CodeNotReady, "wait")
				return
			}
			w.Write([]byte(`{"height":7}`))
			return
		}
		posts.Add(1)
		refuse(w, 503, CodeNotReady, "wait")
	}, Options{Retries: 2})
	st, err := c.Status(context.Background())
	if err != nil || st.Height != 7 || gets.Load() != 3 {
		t.Errorf("Status: %+v %v after %d GETs", st, err, gets.Load())
	}
	if _, err := c.Submit(context.Background(), []byte(`{}`)); !errors.Is(err, ErrBusy) || posts.Load() != 1 {
		t.Errorf("Submit: %v after %d POSTs", err, posts.Load())
	}
}

func TestNewRefusesBadBase(t *testing.T) {
	for _, base := range []string{"", "127.0.0.1:8401", "ftp://x", "http://"} {
		if _, err := New(base, Options{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%q): %v", base, err)
		}
	}
}

func TestRawBlockWrongHeight(t *testing.T) {
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"height":4}`)) }, Options{})
	if _, err := c.RawBlock(context.Background(), 3); !errors.Is(err, ErrBadResponse) {
		t.Errorf("RawBlock: %v", err)
	}
}

func TestSubmitAndWaitRedirectLoop(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", srv.URL+"/api/v1/tx")
		refuse(w, http.StatusTemporaryRedirect, CodeNotLeader, "go there")
	}))
	defer srv.Close()
	c, _ := New(srv.URL, Options{})
	if _, err := c.SubmitAndWait(context.Background(), []byte(`{}`)); !errors.Is(err, ErrBadResponse) {
		t.Errorf("SubmitAndWait: %v", err)
	}
}

// AnyStatus tells the MSP's status from a replica's by "n", so the field
// both name differently ("pending": a count or a list) decodes either way.
func TestAnyStatus(t *testing.T) {
	replica, _ := json.Marshal(Status{ID: 3, Leader: 1, Pending: 2, Members: []StatusMember{{ID: 1, API: "http://r1"}}})
	msp, _ := json.Marshal(MSPStatus{N: 4, Leader: 1, Pending: []NodeRecord{{ID: 5}}, Members: []MSPMember{{NodeRecord: NodeRecord{ID: 1, API: "http://r1"}, Up: true}}})
	for _, tc := range []struct {
		name, body   string
		replica, mSP bool
		err          error
	}{
		{"replica", string(replica), true, false, nil},
		{"msp", string(msp), false, true, nil},
		{"not an object", `[1]`, false, false, ErrBadResponse},
		{"msp with a replica's pending", `{"n":4,"pending":2}`, false, false, ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTest(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(tc.body)) }, Options{})
			st, err := c.AnyStatus(context.Background())
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("AnyStatus: %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil || (st.Replica != nil) != tc.replica || (st.MSP != nil) != tc.mSP {
				t.Fatalf("AnyStatus: %+v %v", st, err)
			}
			if st.Replica != nil && (st.Replica.ID != 3 || st.Replica.Pending != 2) {
				t.Errorf("replica: %+v", st.Replica)
			}
			if st.MSP != nil && (st.MSP.N != 4 || len(st.MSP.Pending) != 1 || st.MSP.Members[0].API != "http://r1") {
				t.Errorf("MSP: %+v", st.MSP)
			}
		})
	}
}
