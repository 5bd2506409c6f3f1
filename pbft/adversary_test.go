package pbft

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// This file holds a stronger adversary for the simulation of sim_test.go:
// a driver (advNet) that routes every message through per-instance links
// (for Twins, twins_test.go), lets a Byzantine member rewrite what its
// honest core sends (mutator), tolerates Step errors on messages a faulty
// member sent or forged while failing the run on any error an honest
// message causes at an honest replica, and checks the properties of every
// run (checkRun): agreement, validity, restartability, and liveness once
// the network heals (settle).

// Byzantine modes of this file (the sim's corrupt ignores them).
const (
	mutant   byzMode = 100 + iota // an honest core whose messages a mutator rewrites
	twinMode                      // one of two honest instances sharing an ID (Twins)
)

// The helpers below are the spots where the core's API is about to change
// (a signed Epoch on Message, a ChainID bound into signatures and passed to
// Certificate.Verify): the rest of the adversary goes through them.

// verifyCert checks a certificate as a client or a restarting node would.
func (s *sim) verifyCert(c *Certificate, m *Membership) error { return c.Verify(simChain, m, s.verif) }

// sameEpoch reports whether an honest message's rejection is a failure:
// sent and received in one membership epoch. Messages carry no epoch yet,
// so one from a replica that has reconfigured is checked by a replica that
// has not against the wrong membership and may be refused, like a lost
// message. With a signed Message.Epoch, such messages are kept or dropped,
// never refused; then this can say true always.
func sameEpoch(sent, recv uint64) bool { return sent == recv }

const mixedEpoch = ^uint64(0)

// forge builds an unsigned protocol message for the adversary to sign.
func forge(t MsgType, view, seq uint64, d Hash) Message {
	return Message{Type: t, View: view, Seq: seq, Digest: d}
}

// wire passes a message through the codec, as the network does.
func wire(t testing.TB, m Message) Message {
	dec, err := Decode(m.Encode(), 0)
	if err != nil {
		t.Fatalf("decode a %s the adversary encoded: %v", m.Type, err)
	}
	return *dec
}

// advFlight is a message in flight with the instance that sent it.
type advFlight struct {
	flight
	src    *simNode
	epoch  uint64 // the sender's membership epoch when it sent
	forged bool   // made or changed by the adversary
}

// advNet drives a sim through its own network: s.net only carries a
// node's messages while that node's Ready is handled.
type advNet struct {
	s     *sim
	net   []advFlight
	twins map[uint64]*simNode          // the second instance of each twin ID
	link  func(src, dst *simNode) bool // nil: every instance hears every other
	muts  map[uint64]*mutator
	hold  func(f *advFlight) bool // scripted tests: keep matching flights in flight
}

func newAdvNet(s *sim) *advNet {
	return &advNet{s: s, twins: make(map[uint64]*simNode), muts: make(map[uint64]*mutator)}
}

// instances returns every replica instance, twins included, in ID order.
func (a *advNet) instances() []*simNode {
	var out []*simNode
	for _, id := range a.s.ids {
		out = append(out, a.s.nodes[id])
		if tw := a.twins[id]; tw != nil {
			out = append(out, tw)
		}
	}
	return out
}

func (a *advNet) liveInstances() []*simNode {
	var out []*simNode
	for _, nd := range a.instances() {
		if !nd.down {
			out = append(out, nd)
		}
	}
	return out
}

// handle runs the sim's Ready loop for nd and takes what it sent into the
// driver's network, through nd's mutator if it has one.
func (a *advNet) handle(nd *simNode) {
	if nd.down || nd.core == nil {
		return
	}
	before, epoch := len(a.s.net), nd.core.Epoch()
	a.s.handle(nd)
	if nd.core == nil || nd.core.Epoch() != epoch {
		epoch = mixedEpoch // a Ready that spans a reconfiguration (or a crash)
	}
	out := slices.Clone(a.s.net[before:])
	a.s.net = a.s.net[:before]
	for _, f := range out {
		af := advFlight{flight: f, src: nd, epoch: epoch}
		if mu := a.muts[nd.id]; mu != nil && nd.byz == mutant {
			mu.mutate(a, af)
			continue
		}
		a.net = append(a.net, af)
	}
}

// targets returns the live instances a flight to f.to reaches.
func (a *advNet) targets(f *advFlight) []*simNode {
	var out []*simNode
	for _, nd := range []*simNode{a.s.nodes[f.to], a.twins[f.to]} {
		if nd != nil && !nd.down && nd != f.src && a.s.connected(f.src.id, nd.id) && (a.link == nil || a.link(f.src, nd)) {
			out = append(out, nd)
		}
	}
	return out
}

// deliver hands one flight to its targets.
func (a *advNet) deliver(f advFlight) {
	s := a.s
	for _, dst := range a.targets(&f) {
		if s.drop > 0 && s.rng.Float64() < s.drop {
			continue
		}
		if mu := a.muts[dst.id]; mu != nil && dst.byz == mutant {
			mu.observe(f.m)
		}
		epoch, isMember := dst.core.Epoch(), dst.core.m.Has(f.m.From)
		err := dst.core.Step(f.m)
		// A sender that is not (or no longer) a member is refused; a
		// member's message refused for a nested one's sender is a failure.
		notMember := errors.Is(err, ErrNotMember) && !isMember
		if err != nil && !notMember && f.src.byz == honest && !f.forged && dst.byz == honest && sameEpoch(f.epoch, epoch) {
			s.t.Fatalf("step %d: honest replica %d's %s (view %d seq %d) rejected by honest replica %d: %v", s.steps, f.src.id, f.m.Type, f.m.View, f.m.Seq, dst.id, err)
		}
		a.handle(dst)
	}
}

// deliverSome delivers a random subset of due flights, as sim.deliverSome.
func (a *advNet) deliverSome() {
	s := a.s
	if len(a.net) == 0 {
		return
	}
	k := 1 + s.rng.IntN(len(a.net))
	for range k {
		if len(a.net) == 0 {
			return
		}
		i := s.rng.IntN(len(a.net))
		f := a.net[i]
		if f.at > s.now || (a.hold != nil && a.hold(&f)) {
			continue
		}
		a.net[i] = a.net[len(a.net)-1]
		a.net = a.net[:len(a.net)-1]
		if s.dup > 0 && s.rng.Float64() < s.dup {
			a.net = append(a.net, f)
		}
		a.deliver(f)
	}
}

// deliverAll delivers in order, ignoring delays, until nothing deliverable
// is left (held flights stay). The caller checks safety.
func (a *advNet) deliverAll() {
	for guard := 0; guard < 100000; guard++ {
		i := slices.IndexFunc(a.net, func(f advFlight) bool { return a.hold == nil || !a.hold(&f) })
		if i < 0 {
			return
		}
		f := a.net[i]
		a.net = slices.Delete(a.net, i, i+1)
		a.deliver(f)
	}
	a.s.t.Fatal("deliverAll: the network never went quiet")
}

// step advances time by one unit: deliveries, then a tick at every live
// instance; it checks safety after.
func (a *advNet) step() {
	s := a.s
	s.steps++
	s.now++
	a.deliverSome()
	for _, nd := range a.liveInstances() {
		if nd.down {
			continue // crashed during this step
		}
		nd.core.Tick(1_700_000_000_000 + s.now)
		a.handle(nd)
	}
	s.checkSafety()
}

// honestLive returns the honest live replicas.
func (a *advNet) honestLive() []*simNode {
	var out []*simNode
	for _, nd := range a.s.honestNodes() {
		if !nd.down {
			out = append(out, nd)
		}
	}
	return out
}

// honestMembers returns the honest live replicas that are members in
// their own view of the chain: the ones a client submits to (a learner
// cannot forward requests; members refuse them from non-members).
func (a *advNet) honestMembers() []*simNode {
	var out []*simNode
	for _, nd := range a.honestLive() {
		if nd.core.m.Has(nd.id) {
			out = append(out, nd)
		}
	}
	if len(out) == 0 {
		return a.honestLive()
	}
	return out
}

// submit gives n new requests to random honest live members (requests a
// faulty replica drops are not the protocol's to execute).
func (a *advNet) submit(n int) {
	s := a.s
	for range n {
		live := a.honestMembers()
		if len(live) == 0 {
			return
		}
		s.reqs++
		nd := live[s.rng.IntN(len(live))]
		if err := nd.core.Propose([]byte(fmt.Sprintf("req-%d", s.reqs))); err != nil && !errors.Is(err, ErrBusy) {
			s.t.Fatal(err)
		}
		a.handle(nd)
	}
}

func (a *advNet) resubmit() {
	live := a.honestMembers()
	for _, r := range slices.Sorted(mapKeys(a.s.missing())) {
		nd := live[a.s.rng.IntN(len(live))]
		_ = nd.core.Propose([]byte(r))
		a.handle(nd)
	}
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// crash, restart, stop and restartClean act on one instance.
func (a *advNet) crash(nd *simNode) { nd.down, nd.core = true, nil }

func (a *advNet) restart(nd *simNode) {
	a.s.start(nd)
	a.handle(nd)
}

// stop is a graceful stop (sim.stop) of any instance.
func (a *advNet) stop(nd *simNode) {
	a.handle(nd)
	if nd.down {
		return
	}
	nd.clean, nd.down, nd.core = true, true, nil
}

// latest returns the newest membership any honest replica has reached.
func (a *advNet) latest() *Membership {
	m := a.s.genesis
	for _, nd := range a.s.honestNodes() {
		if x := a.s.membershipAt(nd); x.Epoch > m.Epoch {
			m = x
		}
	}
	return m
}

// reconfigure asks every live instance to commit membership m (only the
// primary proposes it); new IDs get a replica that starts as a learner.
func (a *advNet) reconfigure(m *Membership) {
	for _, mb := range m.Members {
		if _, ok := a.s.nodes[mb.ID]; !ok {
			a.s.addNode(mb.ID)
		}
	}
	tx := []byte(fmt.Sprintf("config:epoch-%d", m.Epoch))
	for _, nd := range a.liveInstances() {
		if m.Epoch > nd.core.m.Epoch {
			_ = nd.core.ProposeConfig(m, [][]byte{tx})
			a.handle(nd)
		}
	}
}

// withMember and without return the next membership with one member added
// or removed.
func withMember(m *Membership, id uint64) *Membership {
	c := m.Clone()
	c.Epoch++
	c.Members = append(c.Members, Member{ID: id, SignKey: macKey(id), NetKey: voteKey(id), Addr: fmt.Sprintf("r%d", id)})
	slices.SortFunc(c.Members, func(x, y Member) int { return int(x.ID) - int(y.ID) })
	return c
}

func without(m *Membership, id uint64) *Membership {
	c := m.Clone()
	c.Epoch++
	c.Members = slices.DeleteFunc(c.Members, func(x Member) bool { return x.ID == id })
	return c
}

// heal reconnects everything, restarts every instance that is down (after
// a graceful stop or a crash) and ends scripted holds.
func (a *advNet) heal() {
	a.s.heal()
	a.s.midCrash = 0
	a.hold = nil
	for _, nd := range a.instances() {
		if nd.down {
			a.restart(nd)
		}
	}
}

// settle steps until every submitted request has executed at every honest
// member, submitting a request every 200 steps (so checkpoints come and
// laggards catch up) and resubmitting what is missing every 300.
func (a *advNet) settle(limit int) bool {
	for i := 0; i < limit && !a.s.allExecuted(); i++ {
		if i%200 == 199 {
			a.submit(1)
		}
		if i%300 == 299 {
			a.resubmit()
		}
		a.step()
	}
	a.s.checkSafety()
	return a.s.allExecuted()
}

// checkRestartable plays what the node does at start for every honest
// replica, without disturbing it: New from its persisted state must
// succeed, the certificate of its last block must verify against the
// membership in force at that height (node's VerifyLast), and the
// VIEW-CHANGE the restarted replica would send must pass the wire and be
// accepted by a peer (its stable proof and prepared proofs included).
func (a *advNet) checkRestartable() {
	s := a.s
	s.t.Helper()
	for _, nd := range s.honestNodes() {
		cfg := s.coreConfig(nd)
		cfg.Restore.Clean = false
		c, err := New(cfg)
		if err != nil {
			s.t.Fatalf("restartability: replica %d cannot restart from its storage: %v", nd.id, err)
		}
		if n := len(nd.ledger); n > 0 {
			last := nd.ledger[n-1]
			m := s.genesis
			for _, b := range nd.ledger[:n-1] {
				if b.Block.Config != nil && b.Block.Config.Epoch > m.Epoch {
					m = b.Block.Config
				}
			}
			if err := s.verifyCert(&last.Cert, m); err != nil {
				s.t.Fatalf("restartability: replica %d's last block %d has a certificate that does not verify: %v", nd.id, last.Seq, err)
			}
		}
		if !c.m.Has(nd.id) {
			continue
		}
		c.startViewChange(c.view + 1)
		var vc *Message
		for i := range c.msgs {
			if c.msgs[i].Type == MsgViewChange {
				vc = &c.msgs[i]
			}
		}
		if vc == nil {
			continue
		}
		got := wire(s.t, *vc)
		// A peer checks it; any other member does, with this replica's
		// state (the verifier's own log plays no part in verify).
		for _, peer := range s.honestNodes() {
			if peer.id == nd.id || peer.down || !peer.core.m.Has(nd.id) || peer.core.m.Epoch != c.m.Epoch {
				continue
			}
			if err := peer.core.verify(&got, peer.core.m); err != nil {
				s.t.Fatalf("restartability: the view change replica %d sends after a restart is rejected by %d: %v", nd.id, peer.id, err)
			}
			break
		}
	}
}

// checkRun checks the properties every run must keep at its end, the
// network healed: agreement and validity (checkSafety), restartability, and liveness within limit steps.
func (a *advNet) checkRun(what string, limit int) {
	s := a.s
	s.t.Helper()
	a.heal()
	a.submit(3)
	if !a.settle(limit) {
		for _, nd := range a.instances() {
			if nd.core != nil {
				st := nd.core.Status()
				s.t.Logf("replica %d (byz %d): view %d vc=%v executed %d stable %d pending %d epoch %d wait %d ticks %d member %v deadline %d resend %d timeout %d", nd.id, nd.byz, st.View, st.InViewChange, st.Executed, st.StableSeq, st.Pending, st.Membership.Epoch, nd.core.waitSince, nd.core.ticks, nd.core.m.Has(nd.id), nd.core.vcDeadline, nd.core.vcResend, nd.core.timeout())
			}
		}
		s.t.Fatalf("%s: liveness after heal: %d requests not executed after %d steps", what, len(s.missing()), s.steps)
	}
	a.checkRestartable()
}

// mutation is one way the mutator changes a message.
type mutation uint

const (
	mutForeignBlock mutation = iota // a Block on a message that carries none
	mutForeignReqs                  // Requests on a signed message
	mutForeignVC                    // an empty or bogus VC on a prepare, commit, checkpoint or pre-prepare
	mutForeignNV                    // an NV on a message that is not a NEW-VIEW
	mutNested                       // poison its own votes nested in its VIEW-CHANGEs
	mutDigest                       // another digest on a vote or checkpoint
	mutSplit                        // a different block or digest to different recipients
	mutReplay                       // replay an old message (its own or one it received)
	mutOldView                      // a vote re-signed for an earlier view
	mutFuture                       // a copy for a later sequence number
	mutPastBarrier                  // as primary, pre-prepare s+1 (and vote for it) before the reconfiguration block s
	numMutations
)

var mutationNames = [...]string{"foreign-block", "foreign-reqs", "foreign-vc", "foreign-nv", "nested", "digest", "split", "replay", "old-view", "future", "past-barrier"}

func (k mutation) String() string { return mutationNames[k] }

// mutator is a Byzantine member: its honest core decides what to say and
// the mutator, driven by its own seeded source, rewrites each copy.
type mutator struct {
	nd    *simNode
	rng   *rand.Rand
	rate  float64 // chance a copy is altered
	kinds []mutation
	types []MsgType                  // the message types it alters; nil: all
	seen  []Message                  // recent messages, for replays
	fork  map[uint64]map[uint64]bool // past-barrier: seq of the reconfiguration → recipients of the forged s+1
	forks map[uint64]Message         // past-barrier: the forged pre-prepare for s+1
}

func newMutator(nd *simNode, seed uint64, rate float64, kinds []mutation) *mutator {
	if len(kinds) == 0 {
		for k := range numMutations {
			kinds = append(kinds, k)
		}
	}
	return &mutator{nd: nd, rng: rand.New(rand.NewPCG(seed, 0xadbe)), rate: rate, kinds: kinds,
		fork: make(map[uint64]map[uint64]bool), forks: make(map[uint64]Message)}
}

// makeMutant turns member id into a mutating Byzantine member.
func (a *advNet) makeMutant(id, seed uint64, rate float64, kinds ...mutation) *mutator {
	nd := a.s.nodes[id]
	nd.byz = mutant
	mu := newMutator(nd, seed, rate, kinds)
	a.muts[id] = mu
	return mu
}

func (mu *mutator) observe(m Message) {
	if len(mu.seen) >= 64 {
		mu.seen = mu.seen[1:]
	}
	mu.seen = append(mu.seen, m)
}

func (mu *mutator) has(k mutation) bool { return slices.Contains(mu.kinds, k) }

// send puts a message the mutator made into the network.
func (mu *mutator) send(a *advNet, f advFlight, m Message, at int64) {
	f.m, f.forged, f.at = wire(a.s.t, m), true, at
	a.net = append(a.net, f)
}

func (mu *mutator) sign(m *Message) { mu.nd.sign(m) }

// mutate sends f, altered or not, and whatever extra messages the mutator
// decides on.
func (mu *mutator) mutate(a *advNet, f advFlight) {
	mu.observe(f.m)
	if mu.has(mutPastBarrier) {
		mu.pastBarrier(a, f)
	}
	if mu.rng.Float64() >= mu.rate || (mu.types != nil && !slices.Contains(mu.types, f.m.Type)) {
		a.net = append(a.net, f)
		return
	}
	m := f.m
	k := mu.kinds[mu.rng.IntN(len(mu.kinds))]
	switch k {
	case mutForeignBlock:
		if m.Type != MsgPrePrepare {
			m.Block = &Block{View: m.View, Proposer: mu.nd.id, Txs: [][]byte{[]byte("foreign")}}
		}
	case mutForeignReqs:
		m.Requests = append(m.Requests, []byte("foreign-req"))
	case mutForeignVC:
		if m.Type != MsgViewChange && m.Type != MsgRequest {
			m.VC = &ViewChange{}
			if mu.rng.IntN(2) == 0 {
				m.VC = &ViewChange{StableSeq: m.Seq + 7, StableDigest: Hash{0xbd}}
			}
			mu.sign(&m)
		}
	case mutForeignNV:
		if m.Type != MsgNewView && m.Type != MsgRequest {
			m.NV = &NewView{}
			mu.sign(&m)
		}
	case mutNested:
		if m.Type == MsgViewChange && m.VC != nil {
			m.VC = mu.poisonVC(m.VC)
			mu.sign(&m)
		}
	case mutDigest:
		if m.Type == MsgPrepare || m.Type == MsgCommit || m.Type == MsgCheckpoint {
			m.Digest[mu.rng.IntN(32)] ^= 1 << mu.rng.IntN(8)
			mu.sign(&m)
		}
	case mutSplit:
		switch {
		case m.Type == MsgPrePrepare && m.Block != nil && m.Block.View == m.View && m.Block.Proposer == mu.nd.id:
			b := *m.Block
			b.Txs = append(slices.Clone(b.Txs), []byte(fmt.Sprintf("split-%d-%d", m.Seq, f.to)))
			m.Block, m.Digest = &b, b.Digest(m.Seq)
			mu.sign(&m)
		case m.Type == MsgPrepare || m.Type == MsgCommit || m.Type == MsgCheckpoint:
			if f.to%2 == 1 {
				m.Digest[0] ^= 0xff
				mu.sign(&m)
			}
		}
	case mutReplay:
		if len(mu.seen) > 0 {
			old := mu.seen[mu.rng.IntN(len(mu.seen))]
			if old.From != f.to {
				mu.send(a, f, old, f.at)
			}
		}
	case mutOldView:
		if m.View > 0 && m.Type != MsgRequest && m.Type != MsgPrePrepare {
			m.View -= 1 + uint64(mu.rng.IntN(int(m.View)))
			mu.sign(&m)
		}
	case mutFuture:
		if m.Type == MsgPrePrepare || m.Type == MsgPrepare || m.Type == MsgCommit || m.Type == MsgCheckpoint {
			fut := m
			fut.Seq += 1 + uint64(mu.rng.IntN(24))
			if fut.Block != nil {
				b := *fut.Block
				fut.Block, fut.Digest = &b, b.Digest(fut.Seq)
			}
			mu.sign(&fut)
			mu.send(a, f, fut, f.at)
		}
	}
	mu.send(a, f, m, f.at)
}

// poisonVC returns a copy of vc whose nested messages signed by this
// member carry fields foreign to their type (re-signed, so they verify
// where they are read before the wire drops what it does not nest).
func (mu *mutator) poisonVC(vc *ViewChange) *ViewChange {
	c := *vc
	c.Checkpoints = slices.Clone(vc.Checkpoints)
	for i := range c.Checkpoints {
		if c.Checkpoints[i].From == mu.nd.id {
			c.Checkpoints[i].VC = &ViewChange{}
			mu.sign(&c.Checkpoints[i])
		}
	}
	c.Prepared = slices.Clone(vc.Prepared)
	for i := range c.Prepared {
		p := &c.Prepared[i]
		p.Prepares = slices.Clone(p.Prepares)
		for j := range p.Prepares {
			if p.Prepares[j].From == mu.nd.id {
				p.Prepares[j].NV = &NewView{}
				mu.sign(&p.Prepares[j])
			}
		}
	}
	return &c
}

// pastBarrier: when this member, as primary, pre-prepares a
// reconfiguration block at s, it first sends a pre-prepare of its own for
// s+1 and its COMMIT for it to quorum-1 recipients of the current
// membership (chosen once per s), before s itself. Its honest core later
// proposes a different block at s+1 to everyone.
func (mu *mutator) pastBarrier(a *advNet, f advFlight) {
	m := f.m
	if m.Type != MsgPrePrepare || m.Block == nil || m.Block.Config == nil || m.From != mu.nd.id || m.Block.Proposer != mu.nd.id {
		return
	}
	ms := mu.nd.core.m
	pick, ok := mu.fork[m.Seq]
	if !ok {
		pick = make(map[uint64]bool)
		var others []uint64
		for _, mb := range ms.Members {
			if mb.ID != mu.nd.id {
				others = append(others, mb.ID)
			}
		}
		mu.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		for _, i := range others[:min(len(others), ms.Quorum()-1)] {
			pick[i] = true
		}
		mu.fork[m.Seq] = pick
		seq := m.Seq + 1
		b := &Block{View: m.View, Proposer: mu.nd.id, Time: m.Block.Time, Txs: [][]byte{[]byte(fmt.Sprintf("forked-%d", seq))}}
		pp := forge(MsgPrePrepare, m.View, seq, b.Digest(seq))
		pp.Block = b
		mu.sign(&pp)
		mu.forks[m.Seq] = pp
	}
	if !pick[f.to] {
		return
	}
	pp := mu.forks[m.Seq]
	com := forge(MsgCommit, pp.View, pp.Seq, pp.Digest)
	mu.sign(&com)
	mu.send(a, f, pp, a.s.now)
	mu.send(a, f, com, a.s.now)
}

// randomRun is one seeded run of the mutating adversary: n replicas, member
// byzID a mutant, chaos (loss, delay, partitions, crashes including
// between a primary's early pre-prepares and their persist, graceful
// stops and clean restarts, leader swaps, reconfigurations), then heal and
// check the properties.
func randomRun(t testing.TB, seed uint64, n int, rounds int, kinds ...mutation) *advNet {
	s := newSim(t, seed, n, simConfig())
	a := newAdvNet(s)
	s.delay = 2
	s.drop = 0.03
	s.dup = 0.03
	byzID := s.ids[s.rng.IntN(len(s.ids))]
	if s.rng.IntN(2) == 0 {
		byzID = s.genesis.Primary(0)
	}
	a.makeMutant(byzID, seed, 0.1+0.3*s.rng.Float64(), kinds...)
	nextID := uint64(n + 1)
	s.midCrash = 0.05
	s.crashAllowed = func(nd *simNode) bool { return nd.byz == honest && len(a.honestLive()) == len(s.honestNodes()) }
	for round := range rounds {
		if round%6 == 0 {
			a.submit(1 + s.rng.IntN(2))
		}
		switch r := s.rng.IntN(100); {
		case r < 2: // crash an honest replica, one at a time
			if live := a.honestLive(); len(live) == len(s.honestNodes()) {
				a.crash(live[s.rng.IntN(len(live))])
			}
		case r < 4: // graceful stop
			if live := a.honestLive(); len(live) == len(s.honestNodes()) {
				a.stop(live[s.rng.IntN(len(live))])
			}
		case r < 8: // restart what is down (cleanly after a stop)
			for _, nd := range a.instances() {
				if nd.down {
					a.restart(nd)
				}
			}
		case r < 9:
			g := slices.Clone(s.ids)
			s.rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
			s.partition(g[:1+s.rng.IntN(len(g)-1)])
		case r < 12:
			clear(s.cut)
		case r < 13: // leader swap to a random member
			m := a.latest()
			id := m.Members[s.rng.IntN(m.N())].ID
			for _, nd := range a.liveInstances() {
				nd.core.RequestPrimary(id, nd.core.view)
				a.handle(nd)
			}
		case r < 15: // reconfiguration: add, remove (never below 4) or swap
			m := a.latest()
			switch k := s.rng.IntN(3); {
			case k == 0 && m.N() < 7:
				a.reconfigure(withMember(m, nextID))
				nextID++
			case k == 1 && m.N() > 4:
				a.reconfigure(without(m, m.Members[s.rng.IntN(m.N())].ID))
			default:
				x := without(withMember(m, nextID), m.Members[s.rng.IntN(m.N())].ID)
				x.Epoch = m.Epoch + 1
				a.reconfigure(x)
				nextID++
			}
		}
		a.step()
	}
	return a
}

// TestAdversaryMutating runs seeds of the mutating adversary with every
// mutation enabled, then one run per mutation kind alone, so a failure
// names what found it.
func TestAdversaryMutating(t *testing.T) {
	for seed := range uint64(seeds(20)) {
		a := randomRun(t, 7000+seed, 4, 250)
		a.checkRun(fmt.Sprintf("seed %d", 7000+seed), 8000)
	}
}

func TestAdversaryMutationKinds(t *testing.T) {
	for k := range numMutations {
		t.Run(k.String(), func(t *testing.T) {
			for seed := range uint64(seeds(3)) {
				a := randomRun(t, 8000+seed, 4+int(seed%2), 250, k)
				a.checkRun(fmt.Sprintf("%s seed %d", k, 8000+seed), 8000)
			}
		})
	}
}
