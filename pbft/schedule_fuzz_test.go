package pbft

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
)

// FuzzSchedule turns fuzz bytes into a schedule for advNet: who receives
// what and when, which mutations a Byzantine member applies (or whether it
// is a pair of twins), crashes (also between a primary's early pre-prepare
// and its persist), graceful stops and clean restarts, leader swaps,
// partitions and reconfigurations. After the schedule the network heals and
// checkRun checks agreement, validity, restartability and liveness.
//
//	go test -run '^$' -fuzz=FuzzSchedule ./pbft/
//
// The corpus in testdata/fuzz/FuzzSchedule runs with every go test.
func FuzzSchedule(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			data = data[:512]
		}
		runSchedule(t, data)
	})
}

// byteSource reads a schedule; past its end it reads zeros.
type byteSource struct{ b []byte }

func (r *byteSource) next() int {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return int(c)
}

func (r *byteSource) pick(n int) int {
	if n <= 0 {
		return 0
	}
	return r.next() % n
}

// Schedule header: n (4 or 5), adversary (none, mutant, twins), its
// member, a mask of the mutations, 8 bytes of seed for the network's own
// choices. Then one operation per byte, with operands after it.
func runSchedule(t testing.TB, data []byte) {
	r := &byteSource{b: data}
	n := 4 + r.pick(2)
	adv, byzIdx, mask := r.pick(3), r.pick(n), r.next()
	var seed [8]byte
	for i := range seed {
		seed[i] = byte(r.next())
	}
	s := newSim(t, binary.LittleEndian.Uint64(seed[:]), n, simConfig())
	a := newAdvNet(s)
	byzID := s.ids[byzIdx]
	var twin *simNode
	switch adv {
	case 1:
		var kinds []mutation
		for k := range numMutations {
			if mask&(1<<(k%8)) != 0 {
				kinds = append(kinds, k)
			}
		}
		a.makeMutant(byzID, uint64(mask), 0.3, kinds...)
	case 2:
		twin = a.addTwin(byzID)
	}
	honestUp := func() []*simNode { return a.honestLive() }
	nextID := uint64(n + 1)
	for ops := 0; ops < 200 && len(r.b) > 0; ops++ {
		switch op := r.next() % 16; op {
		case 0, 1, 2, 3, 4, 5: // deliver a few flights, chosen by the schedule
			for range 1 + r.pick(8) {
				if len(a.net) == 0 {
					break
				}
				i := r.pick(len(a.net))
				fl := a.net[i]
				a.net = slices.Delete(a.net, i, i+1)
				a.deliver(fl)
			}
			s.checkSafety()
		case 6:
			a.step()
		case 7:
			a.submit(1)
		case 8: // crash an honest replica, one at a time
			if up := honestUp(); len(up) == len(s.honestNodes()) {
				a.crash(up[r.pick(len(up))])
			}
		case 9: // the next Ready with early pre-prepares at x crashes x before its persist
			x := s.ids[r.pick(len(s.ids))]
			armed := true
			s.midCrash = 1
			s.crashAllowed = func(nd *simNode) bool {
				ok := armed && nd.id == x && nd.byz == honest
				armed = armed && !ok
				return ok
			}
		case 10: // restart what is down: after a crash, or cleanly after a stop
			for _, nd := range a.instances() {
				if nd.down {
					a.restart(nd)
				}
			}
		case 11: // graceful stop
			if up := honestUp(); len(up) == len(s.honestNodes()) {
				a.stop(up[r.pick(len(up))])
			}
		case 12: // reconfiguration
			m := a.latest()
			switch k := r.pick(3); {
			case k == 0 && m.N() < 7:
				a.reconfigure(withMember(m, nextID))
				nextID++
			case k == 1 && m.N() > 4:
				a.reconfigure(without(m, m.Members[r.pick(m.N())].ID))
			default:
				x := without(withMember(m, nextID), m.Members[r.pick(m.N())].ID)
				x.Epoch = m.Epoch + 1
				a.reconfigure(x)
				nextID++
			}
		case 13: // partition, or heal the cuts
			if b := r.next(); b&1 == 0 {
				clear(s.cut)
			} else {
				var g []uint64
				for i, id := range s.ids {
					if b&(2<<(i%7)) != 0 {
						g = append(g, id)
					}
				}
				s.partition(g)
			}
		case 14: // leader swap
			m := a.latest()
			lead := m.Members[r.pick(m.N())].ID
			for _, nd := range a.liveInstances() {
				nd.core.RequestPrimary(lead, nd.core.view)
				a.handle(nd)
			}
		case 15: // twins: a new partition; a mutant: a request of its own
			if twin != nil {
				a.link = a.twinsPartition(byzID)
			} else if nd := s.nodes[byzID]; !nd.down {
				_ = nd.core.Propose([]byte(fmt.Sprintf("byz-%d", ops)))
				a.handle(nd)
			}
		}
	}
	if twin != nil {
		delete(a.twins, byzID)
		a.link = nil
	}
	a.checkRun("schedule", 4000)
}
