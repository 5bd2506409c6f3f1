// Command career-validator is the validator plugin that checks a career
// claim is well-formed and plausible: required fields present, sizes
// bounded, dates real and ordered and not starting after the block time,
// evidence digests well-formed, organisation and role sensible text.
//
// Build: plugins/build.sh (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared).
package main

import (
	"github.com/careerchain/careerchain/plugins/internal/claimcheck"
	"github.com/careerchain/careerchain/sdk/plugin"
)

var _ = plugin.Register(validate)

func validate(in plugin.Input) plugin.Output {
	if p := claimcheck.Check(&in); p != nil {
		return plugin.Reject(p.Code, p.Reason)
	}
	return plugin.Accept()
}

func main() {}
