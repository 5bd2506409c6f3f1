package card

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/careerchain/careerchain/portal/payment"
)

// FuzzWebhook feeds Webhook any header and body: it must not panic, must
// refuse with ErrBadWebhook (or ErrPending for an unpaid completion), and
// may accept only the body the secret signed.
func FuzzWebhook(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	signed := []byte(`{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1800000000,` +
		`"data":{"object":{"id":"cs_test_1","client_reference_id":"ord-1","payment_status":"paid","status":"complete",` +
		`"amount_total":5000,"currency":"krw","payment_intent":"pi_1"}}}`)
	good := Sign(testSecret, signed, now)
	f.Add(good, signed)
	f.Add(good, append(bytes.Clone(signed), ' '))
	f.Add("t=1800000000,v1=00", signed)
	f.Add("t=,v1=", []byte("{}"))
	f.Add(Sign(testSecret, []byte(`{"id":"e","type":"refund.created","data":{"object":{"id":"re_1"}}}`), now),
		[]byte(`{"id":"e","type":"refund.created","data":{"object":{"id":"re_1"}}}`))
	c, err := New(Config{BaseURL: "https://api.example", SecretKey: testKey, WebhookSecret: testSecret, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		ev, err := c.Webhook(http.Header{"Signature": {header}}, body)
		if err != nil {
			if !errors.Is(err, payment.ErrBadWebhook) && !errors.Is(err, payment.ErrPending) {
				t.Fatalf("refused with %v, not ErrBadWebhook", err)
			}
			return
		}
		if c.verify(header, body) != nil {
			t.Fatalf("accepted %+v without a valid signature", ev)
		}
		if ev.ID == "" || ev.Kind == "" {
			t.Fatalf("accepted an event without id or kind: %+v", ev)
		}
	})
}
