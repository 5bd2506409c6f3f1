// Command payment-kakaopay is the payment plugin for the "kakaopay" provider: it
// accepts a career transaction only if its receipt is signed by a payment
// service the plugin config lists, names provider "kakaopay", pays the
// configured fee and pays for this transaction's statement. The rules live
// in plugins/internal/payment.
package main

import "github.com/careerchain/careerchain/plugins/internal/payment"

// Provider is the receipt provider this module accepts.
const Provider = "kakaopay"

var _ = payment.Register(Provider)

func main() {}
