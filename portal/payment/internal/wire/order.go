package wire

import (
	"github.com/careerchain/careerchain/portal/payment"
)

// CheckOrder refuses an Order no provider could take: no ID, no item, an
// amount that is not positive, a currency that is not three capitals, or a
// return URL that is not absolute. The error wraps payment.ErrMismatch.
func CheckOrder(provider string, o payment.Order) error {
	switch {
	case o.ID == "":
		return Fail(payment.ErrMismatch, provider, "the order has no ID")
	case o.Item == "":
		return Fail(payment.ErrMismatch, provider, "order %s names nothing to pay for", o.ID)
	case o.Amount <= 0:
		return Fail(payment.ErrMismatch, provider, "order %s has amount %d; it must be more than 0", o.ID, o.Amount)
	case !IsCurrency(o.Currency):
		return Fail(payment.ErrMismatch, provider, "order %s has currency %q; it must be an ISO 4217 code such as KRW", o.ID, o.Currency)
	}
	return CheckReturnURL(provider, o.ReturnURL)
}

// IsCurrency says whether c looks like an ISO 4217 code: three capitals.
func IsCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
