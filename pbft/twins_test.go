package pbft

import (
	"fmt"
	"testing"
)

// Twins (Bano et al., "Twins: BFT Systems Made Robust", 2022): a Byzantine
// member is run as two honest instances with the same ID and keys, each
// with its own storage. Partitions decide which twin talks to which honest
// replica, so the pair equivocates the way a faulty member could, without
// a hand-written strategy. Honest properties are checked on the other
// replicas only.

// addTwin gives member id a second instance; both become twinMode.
func (a *advNet) addTwin(id uint64) *simNode {
	s := a.s
	s.nodes[id].byz = twinMode
	tw := &simNode{id: id, signer: s.newSig(id), entries: make(map[uint64]EntryRecord), seen: make(map[string]bool), byz: twinMode}
	if s.newVote != nil {
		tw.voter = s.newVote(id)
	}
	a.twins[id] = tw
	s.start(tw)
	return tw
}

// twinsPartition returns a link function for one phase: every honest
// replica is on side 0 or 1 at random, twin instance i on side i.
func (a *advNet) twinsPartition(id uint64) func(src, dst *simNode) bool {
	side := make(map[*simNode]int)
	side[a.twins[id]] = 1
	for _, x := range a.s.ids {
		if nd := a.s.nodes[x]; nd.byz != twinMode {
			side[nd] = a.s.rng.IntN(2)
		}
	}
	return func(src, dst *simNode) bool { return side[src] == side[dst] }
}

// twinsRun is one seeded Twins schedule: phases of a few views each, each
// with its own partition (or none: both twins speak to everyone) and,
// sometimes, a leader swap or a reconfiguration; then the second twin
// leaves, the network heals and the properties are checked.
func twinsRun(t testing.TB, seed uint64, phases, phaseLen int) *advNet {
	s := newSim(t, seed, 4, simConfig())
	a := newAdvNet(s)
	s.delay = 1
	id := s.genesis.Primary(0)
	if s.rng.IntN(2) == 0 {
		id = s.ids[s.rng.IntN(len(s.ids))]
	}
	tw := a.addTwin(id)
	nextID := uint64(5)
	for p := range phases {
		a.link = nil
		if s.rng.IntN(4) != 0 {
			a.link = a.twinsPartition(id)
		}
		switch r := s.rng.IntN(6); {
		case r < 2: // leader choice: the twin, or another member
			lead := id
			if r == 1 {
				m := a.latest()
				lead = m.Members[s.rng.IntN(m.N())].ID
			}
			for _, nd := range a.liveInstances() {
				nd.core.RequestPrimary(lead, nd.core.view)
				a.handle(nd)
			}
		case r == 2 && p > 0:
			m := a.latest()
			if m.N() < 6 {
				a.reconfigure(withMember(m, nextID))
				nextID++
			} else {
				a.reconfigure(without(m, m.Members[s.rng.IntN(m.N())].ID))
			}
		case r == 3: // a graceful stop and clean restart of an honest replica
			if live := a.honestLive(); len(live) > 0 {
				nd := live[s.rng.IntN(len(live))]
				a.stop(nd)
				a.restart(nd)
			}
		}
		for i := range phaseLen {
			if i%5 == 0 {
				a.submit(1)
				// Each twin gets requests of its own, so they propose apart.
				for k, nd := range []*simNode{s.nodes[id], tw} {
					if !nd.down {
						_ = nd.core.Propose([]byte(fmt.Sprintf("twin%d-%d-%d", k, p, i)))
						a.handle(nd)
					}
				}
			}
			a.step()
		}
	}
	delete(a.twins, id) // the second twin leaves; the first stays, connected
	a.link = nil
	return a
}

func TestTwins(t *testing.T) {
	for seed := range uint64(seeds(40)) {
		a := twinsRun(t, 5000+seed, 6, 30)
		a.checkRun(fmt.Sprintf("twins seed %d", 5000+seed), 6000)
	}
}
