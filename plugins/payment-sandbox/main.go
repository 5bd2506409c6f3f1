// Command payment-sandbox is the payment plugin for the "sandbox" provider: it
// accepts a career transaction only if its receipt is signed by a payment
// service the plugin config lists, names provider "sandbox", pays the
// configured fee and pays for this transaction's statement. The rules live
// in plugins/internal/payment.
package main

import (
	"github.com/careerchain/careerchain/plugins/internal/payment"
	"github.com/careerchain/careerchain/sdk/plugin"
)

// Provider is the receipt provider this module accepts.
const Provider = "sandbox"

var (
	checker = payment.Checker{Provider: Provider} // remembers the parsed config
	_       = plugin.Register(check)
)

func check(in plugin.Input) plugin.Output {
	if p := checker.Check(&in); p != nil {
		return plugin.Reject(p.Code, p.Reason)
	}
	return plugin.Accept()
}

func main() {}
