// Package card is a card processor's hosted checkout for the portal, in
// Stripe's style: a Client that creates and reads checkout sessions,
// refunds, and verifies signed webhooks, and a Fake processor that speaks
// the same protocol, hosts the card page and sends the webhooks.
//
// The protocol (form-encoded requests, JSON answers,
// Authorization: Bearer {secret key}):
//
//	POST {base}/v1/checkout/sessions   Idempotency-Key: {order ID}
//	     mode=payment, success_url, cancel_url, client_reference_id,
//	     line_items[0][price_data][currency|unit_amount|product_data][name]], line_items[0][quantity],
//	     metadata[order_id], payment_intent_data[metadata][order_id]
//	     → session {id, url, status, payment_status, amount_total, currency, client_reference_id, payment_intent, …}
//	GET  {base}/v1/checkout/sessions/{id} → session
//	POST {base}/v1/refunds             Idempotency-Key: refund-{order ID}
//	     payment_intent, metadata[order_id] → refund {id, amount, currency, payment_intent, status}
//
// The same order begun again is the same session (a declined card or a
// cancel leaves it open, so the person tries again there) until it
// expires; then Begin makes one new session, keyed by the expired one.
//
// A refusal is {"error": {"type", "code", "message", "param"}} with a 4xx
// (402 for a card error). The browser comes back to success_url or
// cancel_url with outcome=approve or cancel and session_id={id} (the
// processor fills in {CHECKOUT_SESSION_ID}); Finish reads the session and
// believes only its payment_status, amount_total, currency and
// client_reference_id. A decline happens on the hosted page, which lets the
// person try another card or go back.
//
// Webhooks: POST {portal} with the event as JSON ({id, type, created,
// data: {object}}) and the header
//
//	Signature: t=<unix>,v1=<hex>   v1 = HMAC-SHA256(webhook secret, "<t>." + raw body)
//
// Webhook verifies the signature on the raw bytes before any JSON parsing,
// in constant time, accepting any of several v1 values (a secret being
// rotated) and refusing a t more than Tolerance (300 s) away from now.
// Events it knows: checkout.session.completed and
// checkout.session.async_payment_succeeded (EventPaid when paid; a
// completed but unpaid session is ErrPending), checkout.session.expired and
// checkout.session.async_payment_failed (EventFailed), refund.created
// (EventRefunded; its OrderID is the refund's metadata[order_id], Ref is
// empty). Any other type is ErrBadWebhook: subscribe the endpoint to these
// only. Dropping a replayed event ID is the caller's job.
//
// The Fake lists its webhooks at {base}/events, where each can be sent
// again (POST {base}/events/{id}/resend), for replay tests from a browser
// or another process; Fake.Resend does the same in-process.
//
// Configuration: BaseURL https://api.stripe.com for Stripe (the Fake's is
// {dev}/card), SecretKey the sk_test_… or sk_live_… key, WebhookSecret the
// endpoint's whsec_… secret, SignatureHeader "Stripe-Signature" for Stripe
// ("Signature", the default, for the Fake).
package card
