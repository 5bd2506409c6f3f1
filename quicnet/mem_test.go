package quicnet

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// memCluster returns endpoints 1..n of a fresh network, each with the full
// membership.
func memCluster(t *testing.T, n int, opts ...MemOption) (*MemNetwork, []*MemEndpoint) {
	t.Helper()
	net := NewMemNetwork(opts...)
	var members []Peer
	for i := 1; i <= n; i++ {
		members = append(members, Peer{ID: uint64(i)})
	}
	eps := make([]*MemEndpoint, n)
	for i := range eps {
		eps[i] = net.Endpoint(uint64(i + 1))
		eps[i].SetPeers(members)
	}
	t.Cleanup(func() {
		for _, ep := range eps {
			ep.Close()
		}
	})
	return net, eps
}

// pending returns what is queued for ep right now, without waiting.
func pending(ep Transport) []Message {
	var out []Message
	for {
		select {
		case m := <-ep.Receive():
			out = append(out, m)
		default:
			return out
		}
	}
}

func TestMemExchange(t *testing.T) {
	_, eps := memCluster(t, 3)
	for _, ep := range eps {
		ep.Broadcast(ClassControl, fmt.Appendf(nil, "from %d", ep.ID()))
	}
	for _, ep := range eps {
		got := pending(ep)
		if len(got) != 2 {
			t.Fatalf("endpoint %d got %d messages", ep.ID(), len(got))
		}
		for _, m := range got {
			if m.From == ep.ID() || string(m.Data) != fmt.Sprintf("from %d", m.From) {
				t.Fatalf("endpoint %d got %q from %d", ep.ID(), m.Data, m.From)
			}
		}
		for id, ps := range ep.Stats().Peers {
			if !ps.Connected || ps.Sent != 1 || ps.Received != 1 || ps.Dropped != 0 {
				t.Errorf("endpoint %d peer %d: %+v", ep.ID(), id, ps)
			}
		}
	}
}

func TestMemPartitionHeal(t *testing.T) {
	net, eps := memCluster(t, 4)
	net.Partition([]uint64{1, 2}, []uint64{3, 4})

	eps[0].Broadcast(ClassControl, []byte("split"))
	eps[2].Send(4, ClassBulk, []byte("same side"))
	tests := []struct {
		ep   int
		want int
	}{{1, 1}, {2, 0}, {3, 1}}
	for _, tc := range tests {
		if got := len(pending(eps[tc.ep])); got != tc.want {
			t.Errorf("endpoint %d got %d messages during the partition, want %d", tc.ep+1, got, tc.want)
		}
	}
	s := eps[0].Stats()
	if s.Peers[3].Connected || s.Peers[4].Connected || !s.Peers[2].Connected {
		t.Errorf("connectivity during partition: %+v", s.Peers)
	}
	if s.Peers[3].Dropped != 1 || s.Peers[4].Dropped != 1 || s.Peers[2].Dropped != 0 {
		t.Errorf("drops during partition: %+v", s.Peers)
	}

	net.Heal()
	eps[0].Broadcast(ClassControl, []byte("healed"))
	for _, ep := range eps[1:] {
		got := pending(ep)
		if len(got) != 1 || string(got[0].Data) != "healed" {
			t.Errorf("endpoint %d after heal: %v", ep.ID(), got)
		}
	}

	net.Disconnect(2, 3)
	eps[1].Send(3, ClassControl, []byte("cut"))
	eps[2].Send(2, ClassControl, []byte("cut"))
	net.Connect(3, 2)
	eps[1].Send(3, ClassControl, []byte("joined"))
	if got := pending(eps[2]); len(got) != 1 || string(got[0].Data) != "joined" {
		t.Errorf("single link cut and rejoined: %v", got)
	}
	if got := pending(eps[1]); len(got) != 0 {
		t.Errorf("frames crossed a cut link: %v", got)
	}
}

func TestMemRefusesNonMembers(t *testing.T) {
	net := NewMemNetwork()
	a, b := net.Endpoint(1), net.Endpoint(2)
	defer a.Close()
	defer b.Close()
	a.SetPeers([]Peer{{ID: 1}, {ID: 2}})
	b.SetPeers([]Peer{{ID: 2}}) // b does not admit a
	a.Send(2, ClassControl, []byte("let me in"))
	a.Send(3, ClassControl, []byte("nobody"))
	if got := pending(b); len(got) != 0 {
		t.Fatalf("non-member delivered %v", got)
	}
	if b.Stats().Refused != 1 {
		t.Errorf("refused %d, want 1", b.Stats().Refused)
	}
	if s := a.Stats(); s.Peers[2].Dropped != 1 || s.Unknown != 1 {
		t.Errorf("sender stats %+v", s)
	}
}

func TestMemQueueFull(t *testing.T) {
	_, eps := memCluster(t, 2, MemQueueLen(3))
	for i := range 10 {
		eps[0].Send(2, ClassControl, []byte{byte(i)}) // nobody reads: must not block
	}
	got := pending(eps[1])
	if len(got) != 3 {
		t.Fatalf("delivered %d, want 3", len(got))
	}
	for i, m := range got {
		if m.Data[0] != byte(i) {
			t.Fatalf("frame %d arrived as %d", m.Data[0], i)
		}
	}
	if ps := eps[0].Stats().Peers[2]; ps.Sent != 3 || ps.Dropped != 7 {
		t.Fatalf("stats %+v", ps)
	}
}

func TestMemHookDropAndDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net, eps := memCluster(t, 3)
		net.SetHook(func(from, to uint64, class Class, data []byte) Verdict {
			switch {
			case to == 3:
				return Verdict{Drop: true}
			case string(data) == "slow":
				return Verdict{Delay: 50 * time.Millisecond}
			}
			return Verdict{}
		})
		eps[0].Send(2, ClassControl, []byte("slow"))
		eps[0].Send(2, ClassControl, []byte("fast"))
		eps[0].Send(3, ClassControl, []byte("lost"))
		if got := pending(eps[1]); len(got) != 1 || string(got[0].Data) != "fast" {
			t.Fatalf("before the delay: %v", got)
		}
		time.Sleep(49 * time.Millisecond)
		synctest.Wait()
		if got := pending(eps[1]); len(got) != 0 {
			t.Fatalf("delayed frame arrived early: %v", got)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := pending(eps[1]); len(got) != 1 || string(got[0].Data) != "slow" {
			t.Fatalf("after the delay: %v", got)
		}
		if got := pending(eps[2]); len(got) != 0 {
			t.Fatalf("dropped frame arrived: %v", got)
		}
		if ps := eps[0].Stats().Peers[3]; ps.Dropped != 1 {
			t.Fatalf("drop not counted: %+v", ps)
		}

		// A delayed frame still in flight when its sender closes is dropped.
		eps[0].Send(2, ClassControl, []byte("slow"))
		eps[0].Close()
		time.Sleep(time.Second)
		synctest.Wait()
		if got := pending(eps[1]); len(got) != 0 {
			t.Fatalf("frame of a closed sender arrived: %v", got)
		}
		if ps := eps[0].Stats().Peers[2]; ps.Dropped != 1 {
			t.Fatalf("in-flight frame not counted as dropped: %+v", ps)
		}
	})
}

func TestMemCloseAndRestart(t *testing.T) {
	net, eps := memCluster(t, 2)
	a, b := eps[0], eps[1]
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, ok := <-b.Receive(); ok {
		t.Fatal("receive channel open after Close")
	}
	b.Send(1, ClassControl, []byte("from the dead"))
	a.Send(2, ClassControl, []byte("to the dead"))
	if a.Stats().Peers[2].Connected || a.Stats().Peers[2].Dropped != 1 {
		t.Fatalf("stats of a closed peer: %+v", a.Stats().Peers[2])
	}
	if got := pending(a); len(got) != 0 {
		t.Fatalf("closed endpoint delivered %v", got)
	}

	b2 := net.Endpoint(2)
	if b2 == b {
		t.Fatal("Endpoint returned the closed endpoint")
	}
	defer b2.Close()
	if net.Endpoint(2) != b2 {
		t.Fatal("Endpoint did not return the open endpoint")
	}
	b2.SetPeers([]Peer{{ID: 1}, {ID: 2}})
	a.Send(2, ClassControl, []byte("welcome back"))
	if got := pending(b2); len(got) != 1 || got[0].From != 1 {
		t.Fatalf("after restart: %v", got)
	}
}
