package quicnet

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

// benchPair starts two connected transports with queues deep enough for
// the benchmark's window.
func benchPair(b *testing.B) (a, z *QUICTransport) {
	nodes := startNodes(b, 2, func(c *QUICConfig) {
		c.QueueLen = 4096
		c.RecvLen = 4096
	})
	return nodes[0].tr, nodes[1].tr
}

// windowedSend sends b.N frames from a to z with at most window frames in
// flight, so that queues never overflow and nothing is dropped: the figure
// is what the transport carries, not how fast Send can drop.
func windowedSend(b *testing.B, a, z *QUICTransport, class Class, data []byte, window int) {
	credit := make(chan struct{}, window)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range b.N {
			<-z.Receive()
			<-credit
		}
	}()
	b.ResetTimer()
	for range b.N {
		credit <- struct{}{}
		a.Send(2, class, data)
	}
	<-done
	b.StopTimer()
	if d := a.Stats().Peers[2].Dropped; d != 0 {
		b.Fatalf("%d frames dropped", d)
	}
}

// BenchmarkQUICControlThroughput: 64-byte control frames, one way.
func BenchmarkQUICControlThroughput(b *testing.B) {
	a, z := benchPair(b)
	start := time.Now()
	windowedSend(b, a, z, ClassControl, bytes.Repeat([]byte{1}, 64), 1024)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
}

// BenchmarkQUICBulkThroughput: 1 MB bulk frames, one way.
func BenchmarkQUICBulkThroughput(b *testing.B) {
	a, z := benchPair(b)
	b.SetBytes(1 << 20)
	windowedSend(b, a, z, ClassBulk, bytes.Repeat([]byte{2}, 1<<20), 8)
}

// BenchmarkQUICControlRoundTrip: a 64-byte control frame there and back;
// reports the median and 99th percentile round trip.
func BenchmarkQUICControlRoundTrip(b *testing.B) {
	a, z := benchPair(b)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // echo
		defer close(done)
		for {
			select {
			case m := <-z.Receive():
				z.Send(1, ClassControl, m.Data)
			case <-stop:
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	data := bytes.Repeat([]byte{3}, 64)
	rtts := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		a.Send(2, ClassControl, data)
		<-a.Receive()
		rtts = append(rtts, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(rtts)
	b.ReportMetric(float64(rtts[len(rtts)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(rtts[len(rtts)*99/100].Microseconds()), "p99-µs")
}
