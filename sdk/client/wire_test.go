package client

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/verify"
)

var (
	when = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	cert = verify.Certificate{Epoch: 1, View: 2, Seq: 3, Digest: "ab", Sigs: []verify.CommitSig{{Replica: 1, Sig: "cd"}}}
	hdr  = BlockHeader{Height: 3, Digest: "ab", View: 2, Proposer: 1, Time: 1700, TxRoot: "ef", TxCount: 1, StateDigest: "01", Epoch: 1}
	rec  = NodeRecord{ID: 5, SignKey: "aa", NetKey: "bb", Addr: "h:1", API: "http://h:2", State: StateStandby, Admitted: when, LastSeen: when, Misses: 1, Height: 9, Note: "n"}
)

// Every wire type survives a JSON round trip with every field set: no
// field is lost to a missing tag, a wrong omitempty or a type that does
// not decode what it encodes.
func TestWireRoundTrip(t *testing.T) {
	for _, v := range []any{
		&ErrorBody{Error: "e", Code: CodeNotLeader, Leader: "http://l"},
		&Health{Status: "ok"},
		&SubmitResult{TxID: "id", Status: TxAccepted, Height: 4, Index: 1, Reason: "r"},
		&hdr,
		&TxView{TxID: "id", Tx: json.RawMessage(`{"type":"career.register"}`), Result: TxAccepted, Reason: "r", Height: 3, Index: 1,
			Block: hdr, Proof: []chain.ProofStep{{Left: true, Hash: [32]byte{1}}}, Certificate: cert,
			Record: &RecordView{Status: "revoked", SupersededBy: "s", RevokedBy: "b", Reason: "r"}},
		&RecordView{Status: "superseded", SupersededBy: "s", RevokedBy: "b", Reason: "r"},
		&CareerEntry{TxID: "id", Type: "career.register", Height: 3, Index: 1, Record: &RecordView{Status: "active"}},
		&CareerPage{Address: "cc1", Items: []CareerEntry{{TxID: "id", Type: "t", Height: 1, Index: 2}}, Next: "id"},
		&BlockView{Header: hdr, Txs: []json.RawMessage{json.RawMessage(`{"a":1}`), json.RawMessage(`"AAEC"`)},
			Results: []TxResult{{Result: TxRejected, Reason: "r"}}, Certificate: cert, CommitTime: 1701},
		&TxResult{Result: TxAccepted, Reason: "r"},
		&RawBlock{Height: 3, Block: []byte{1, 2, 3}, Certificate: []byte{4, 5}},
		&Status{ID: 1, ChainID: "c", View: 2, Leader: 1, Height: 9, StableSeq: 8, InViewChange: true, Pending: 3, Epoch: 1,
			Members: []StatusMember{{ID: 1, Addr: "h:1", API: "http://h:2", Connected: true}}, PeersConnected: 3},
		&StatusMember{ID: 1, Addr: "h:1", API: "http://h:2", Connected: true},
		&MembershipHistory{ChainID: "c", Height: 9, History: []MembershipEntry{{From: 1, Epoch: 0,
			Members: []verify.Member{{ID: 1, SignKey: "aa", NetKey: "bb", Addr: "h:1", API: "http://h:2"}}}}},
		&MembershipEntry{From: 5, Epoch: 1, Members: []verify.Member{{ID: 2}}},
		&JoinRequest{ChainID: "c", SignKey: "aa", NetKey: "bb", Addr: "h:1", API: "http://h:2", Time: 1700,
			Credential: Credential{Operator: "op", Expires: 1800, Sig: "sig"}, Sig: "s", PoW: 77},
		&Credential{Operator: "op", Expires: 1800, Sig: "sig"},
		&JoinAnswer{ID: 5, State: StatePending, ChainID: "c", Note: "n"},
		&rec,
		&MSPStatus{ChainID: "c", Epoch: 1, N: 4, F: 1, Leader: 2, View: 3, InViewChange: true, Height: 9, LastPoll: when,
			Members: []MSPMember{{NodeRecord: rec, Up: true}}, Standbys: []NodeRecord{rec}, Pending: []NodeRecord{rec},
			Removed: []NodeRecord{rec}, History: []HistoryEntry{{Epoch: 1, From: 5, N: 4, Added: []uint64{5}, Removed: []uint64{4}}},
			InFlight: &InFlight{Epoch: 2, TxID: "id", Added: []uint64{6}, Removed: []uint64{2}, Reason: "r"}, AutoRemoved: 1},
		&MSPMember{NodeRecord: rec, Up: true},
		&HistoryEntry{Epoch: 1, From: 5, N: 4, Added: []uint64{5}, Removed: []uint64{4}},
		&InFlight{Epoch: 2, TxID: "id", Added: []uint64{6}, Removed: []uint64{2}, Reason: "r"},
		&AdminRequest{ID: 3},
		&AdminAnswer{Action: ActionLeader, ID: 3, Status: "committed", Height: 12},
	} {
		typ := reflect.TypeOf(v).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			assertAllSet(t, typ.Name(), reflect.ValueOf(v).Elem())
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.New(typ).Interface()
			if err := json.Unmarshal(b, got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Errorf("round trip changed the value:\n got %+v\nwant %+v\njson %s", got, v, b)
			}
		})
	}
}

// assertAllSet fails if a field of v is its zero value: a round trip of a
// zero field proves nothing.
func assertAllSet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if v.Field(i).IsZero() {
			t.Errorf("%s.%s is zero in the test value", path, f.Name)
		}
	}
}

// The wire names are the contract: a few spot checks that a rename
// shows up here before it reaches a deployed client.
func TestWireNames(t *testing.T) {
	for v, want := range map[any]string{
		SubmitResult{TxID: "x", Status: "pending"}: `{"txid":"x","status":"pending"}`,
		ErrorBody{Error: "e", Code: CodeReplay}:    `{"error":"e","code":"replay"}`,
		AdminRequest{ID: 2}:                        `{"id":2}`,
		BlockHeader{Epoch: 0}:                      `{"height":0,"digest":"","view":0,"proposer":0,"time":0,"tx_root":"","tx_count":0,"state_digest":""}`,
	} {
		b, _ := json.Marshal(v)
		if string(b) != want {
			t.Errorf("%T encodes as %s, want %s", v, b, want)
		}
	}
}
