package msp

import (
	"encoding/json"
	"github.com/careerchain/careerchain/sdk/client"
	"testing"
	"time"
)

// FuzzJoinRequest feeds arbitrary bodies through the join decoder and
// verifier: they must be refused with an error, never panic.
func FuzzJoinRequest(f *testing.F) {
	c := &cluster{t: f, operator: wallet(f, "operator")}
	good, _ := json.Marshal(c.joinRequest(f, 5, "http://127.0.0.1:9"))
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"chain_id":"careerchain-msp-test","sign_key":"00","credential":{"expires":-1}}`))
	check := joinCheck{chainID: testChain, operators: map[string]bool{c.operator.KeyHex(): true}, now: time.Now()}
	f.Fuzz(func(t *testing.T, b []byte) {
		var jr client.JoinRequest
		if strictDecode(b, &jr) != nil {
			return
		}
		_ = verifyJoin(&jr, check)
	})
}
