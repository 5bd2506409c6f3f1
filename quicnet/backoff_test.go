package quicnet

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const (
		minD = 100 * time.Millisecond
		maxD = 2 * time.Second
	)
	tests := []struct {
		name string
		n    int
		r    float64
		want time.Duration
	}{
		{"first, no jitter", 1, 0, 50 * time.Millisecond},
		{"first, most jitter", 1, 0.999, 99_950 * time.Microsecond},
		{"second doubles", 2, 0, 100 * time.Millisecond},
		{"third doubles again", 3, 0.5, 300 * time.Millisecond},
		{"capped", 10, 0, time.Second},
		{"capped with jitter", 50, 0.5, 1500 * time.Millisecond},
		{"huge n does not overflow", 1 << 20, 0, time.Second},
		{"n below one counts as one", 0, 0, 50 * time.Millisecond},
		{"jitter out of range ignored", 1, 1.5, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(tc.n, minD, maxD, tc.r); got != tc.want {
				t.Fatalf("backoff(%d, r=%v) = %v, want %v", tc.n, tc.r, got, tc.want)
			}
		})
	}
}
