package plugin_test

import (
	"fmt"

	"github.com/careerchain/careerchain/sdk/plugin"
)

// check is what a validator plugin's package main would register with
//
//	var _ = plugin.Register(check)
func check(in plugin.Input) plugin.Output {
	if !in.HasCareer {
		return plugin.Accept() // not a career transaction: not our business
	}
	if in.Statement.Claim.Organisation == "" {
		return plugin.Reject("missing_field", "organisation is empty")
	}
	return plugin.Accept()
}

// A handler is plain Go: test it natively with Handle, which does exactly
// what the module's evaluate export does with the host's input document.
func Example() {
	input := plugin.AppendInput(nil, &plugin.Input{
		Kind: plugin.KindValidator, Time: 1735689600, TxType: plugin.TypeRegister, HasCareer: true,
		Statement: plugin.Statement{Type: plugin.TypeRegister, Claim: plugin.Claim{Role: "Engineer"}},
	})
	fmt.Println(string(plugin.Handle(check, input)))
	// Output:
	// {"verdict":"reject","code":"missing_field","reason":"organisation is empty","score_ppm":0}
}

// A scorer returns its score in parts per million.
func ExampleScore() {
	out := plugin.Score(873_000)
	fmt.Println(out.Verdict, out.ScorePPM)
	// Output: accept 873000
}
