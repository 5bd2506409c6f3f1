// Command payment-sandbox is the payment plugin for the "sandbox" provider: it
// accepts a career transaction only if its receipt is signed by a payment
// service the plugin config lists, names provider "sandbox", pays the
// configured fee and pays for this transaction's statement. The rules live
// in plugins/internal/payment.
package main

import "github.com/careerchain/careerchain/plugins/internal/payment"

// Provider is the receipt provider this module accepts.
const Provider = "sandbox"

var _ = payment.Register(Provider)

func main() {}
