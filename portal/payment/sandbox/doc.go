// Package sandbox is the portal's test-mode payment provider, shaped like a
// card processor's test mode: a Client that speaks the sandbox's HTTP API
// and a Fake that is the sandbox server, with a page where the tester
// chooses "Pay (success)", "Decline" or "Cancel". It is the default
// provider of `careerd dev` and of the claim flow's browser tests.
//
// The protocol (JSON bodies and answers, Authorization: Bearer {key}):
//
//	POST {base}/v1/payments               Idempotency-Key: {order ID}
//	     {order_id, amount, currency, description, return_url} → payment
//	GET  {base}/v1/payments/{id}          → payment
//	POST {base}/v1/payments/{id}/refund   Idempotency-Key: refund-{order ID} → payment
//	GET  {base}/checkout/{id}             the hosted page (HTML)
//
// A payment is {id, order_id, amount, currency, description, status,
// checkout_url, return_url, created}; status is pending, succeeded,
// declined, canceled or refunded. A refusal is
// {"error": {"code", "message"}} with a 4xx status. After the tester's
// choice the browser goes to return_url with outcome=approve|fail|cancel
// and payment_id={id}.
//
// A declined or canceled payment may be chosen again on the same page (as a
// card is tried again at a processor), so the same order begun again is the
// same payment; a succeeded or refunded one is final.
//
// Finish never trusts that query: it reads the payment from the server and
// checks its order ID, amount and currency against the Order. The same key
// with the same request gets the same payment; with another request the
// server refuses it (idempotency_conflict).
//
// Configuration (Config): BaseURL is where the sandbox server is, for
// `careerd dev` http://127.0.0.1:7370/sandbox; Key is its API key (the
// fake's, FakeOptions.Key). There is no real sandbox service: this
// provider exists for development and tests, and a production portal
// names kakaopay or card instead.
package sandbox
