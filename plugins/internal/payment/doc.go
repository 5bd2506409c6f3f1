// Package payment holds the rules shared by the payment plugins (one module
// per provider): the receipt in a career transaction must be signed by an
// issuer the plugin config lists, name the module's provider, carry the
// configured fee, and pay for this transaction's statement. Check is pure
// and runs natively as well as in the Wasm modules.
package payment
