// Package kakaopay is KakaoPay's single payment (단건 결제) for the portal:
// a Client of KakaoPay's open API and a Fake that implements the same
// endpoints, their error answers and the page where the buyer approves, so
// the client code runs unchanged against either.
//
// The protocol (JSON bodies and answers, Authorization: SECRET_KEY {key}):
//
//	POST {base}/online/v1/payment/ready    cid, partner_order_id, partner_user_id, item_name,
//	     quantity, total_amount, tax_free_amount, approval_url, cancel_url, fail_url
//	     → tid, next_redirect_pc_url, next_redirect_mobile_url, next_redirect_app_url, created_at
//	POST {base}/online/v1/payment/approve  cid, tid, partner_order_id, partner_user_id, pg_token
//	     → aid, tid, amount{total, tax_free, vat, point, discount, green_deposit}, approved_at, …
//	POST {base}/online/v1/payment/order    cid, tid → status, amount, cancel_available_amount,
//	     payment_action_details[{aid, payment_action_type, …}], …
//	POST {base}/online/v1/payment/cancel   cid, tid, cancel_amount, cancel_tax_free_amount
//	     → status CANCEL_PAYMENT or PART_CANCEL_PAYMENT, canceled_amount, …
//
// A refusal is a 4xx (5xx for KakaoPay's own failures) with
// {"error_code": -780, "error_message": "approval failure!",
// "extras": {"method_result_code", "method_result_message"}}; that shape is
// KakaoPay's, as public integrations show it. The codes the Fake answers
// with are modelled plainly where public material did not settle them:
// -1 internal error, -2 a parameter that is missing or does not match the
// payment (cid, tid, partner ids, pg_token, amounts), -401 a wrong secret
// key, -701 approve before the buyer approved, -702 approve of a payment
// already approved, -723 the ready's 15 minutes are over, -780 approval
// failure (the buyer canceled or the payment failed). The Client maps -1
// and 5xx to payment.ErrUnavailable, -401 to ErrUnavailable (a
// configuration fault the person cannot mend), -701 to ErrPending, -723 and
// -780 to ErrDeclined, and every other refusal to ErrMismatch.
//
// The flow: Begin calls ready with approval_url, cancel_url and fail_url
// made from Order.ReturnURL with outcome=approve, cancel or fail; the
// browser goes to the redirect URL; KakaoPay sends it back to approval_url
// with pg_token (read also when it was appended as "?pg_token=" to a URL
// that had a query already). Finish first reads the payment (order) and checks its
// partner ids and amount against the Order, so nothing is approved for a
// changed order; then approves with the pg_token and checks amount.total
// again. An approve refused as already approved (-702), a second Finish or
// a reload is answered from the order's state, so one payment is approved
// once. Refund cancels what is still cancelable and answers a payment
// already canceled as done.
//
// Idempotency: KakaoPay has no idempotency header; partner_order_id
// (Order.ID) is the key. A Client keeps the checkout of each Order.ID for
// the ready's 15 minutes, so Begin twice in one process is one ready; once
// the buyer canceled it or it failed, Begin makes a new ready, so the
// person can try again. If a
// restart makes a second ready, its tid is never approved: Finish approves
// only the Checkout the portal kept, and a pg_token from the other tid
// does not match it.
//
// Configuration: BaseURL https://open-api.kakaopay.com (the Fake's is
// {dev}/kakaopay), SecretKey the app's Secret key from KakaoPay's
// developer console (the DEV one for the test merchant), CID TC0ONETIME for
// the test merchant or the merchant's own CID. KakaoPay takes KRW only.
package kakaopay
