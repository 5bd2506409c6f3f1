package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/careerchain/careerchain/sdk/client"
)

// --node may name the MSP: reads go to its replicas, leader first, and
// fall over to the next one when the leader does not answer; the client's
// error categories become careerctl's exit codes.
func TestReadsFallOverFromTheMSPsLeader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	txid := strings.Repeat("ab", 32)
	replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/tx/"+txid {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(client.ErrorBody{Error: "node: not found: no transaction " + r.URL.Path[len("/api/v1/tx/"):], Code: client.CodeNotFound})
			return
		}
		json.NewEncoder(w).Encode(client.TxView{TxID: txid, Tx: json.RawMessage(`{}`), Result: client.TxAccepted, Height: 4, Record: &client.RecordView{Status: "active"}})
	}))
	defer replica.Close()
	msp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(client.MSPStatus{ChainID: "demo", N: 2, Leader: 1, Members: []client.MSPMember{
			{NodeRecord: client.NodeRecord{ID: 2, API: replica.URL}}, {NodeRecord: client.NodeRecord{ID: 1, API: dead}}}})
	}))
	defer msp.Close()

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"leader down, the next answers", []string{"get", txid}, exitOK, "status:    active"},
		{"not found", []string{"get", strings.Repeat("cd", 32)}, exitNotFound, "not found: no transaction " + strings.Repeat("cd", 32)},
		{"MSP down", []string{"--node", dead, "get", txid}, exitUnreachable, "no answer from " + dead[len("http://"):] + " ("},
		{"not a URL", []string{"--node", "127.0.0.1:1", "get", txid}, exitUsage, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, append([]string{"--node", msp.URL}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}
