package quicnet

import "time"

// backoff returns the wait before reconnect attempt n (n >= 1 is the number
// of consecutive failures so far): min·2^(n-1), capped at max, with "equal
// jitter": half of it fixed, the other half scaled by r in [0, 1). The
// jitter keeps peers that lost each other at the same moment from redialling
// in lockstep.
func backoff(n int, minD, maxD time.Duration, r float64) time.Duration {
	if n < 1 {
		n = 1
	}
	d := minD
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	if d > maxD {
		d = maxD
	}
	if r < 0 || r >= 1 {
		r = 0
	}
	half := d / 2
	return half + time.Duration(float64(d-half)*r)
}
