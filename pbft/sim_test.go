package pbft

import (
	"bytes"
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// macScheme is a fast deterministic stand-in for the signature scheme in the
// many-seed simulation: a signature is HMAC-SHA256 keyed with the "public"
// key. Replicas of the simulation never forge each other's keys; tests that
// need real signatures use ML-DSA (see TestSimMLDSA and the benchmarks).
type macScheme struct{ key []byte }

func (s macScheme) Sign(msg []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write(msg)
	return h.Sum(nil)
}

func (macScheme) Verify(pub, msg, sig []byte) bool {
	h := hmac.New(sha256.New, pub)
	h.Write(msg)
	return hmac.Equal(h.Sum(nil), sig)
}

func macKey(id uint64) []byte { return []byte(fmt.Sprintf("key-%d", id)) }

// voteKey is a member's vote key (Member.NetKey) in the simulations: it
// differs from the certificate key, so a message checked against the wrong
// one fails.
func voteKey(id uint64) []byte { return []byte(fmt.Sprintf("vote-%d", id)) }

// testMembership returns n members with IDs 1..n, certificate keys from
// keys and vote keys from voteKey.
func testMembership(n int, keys func(id uint64) []byte) *Membership {
	m := &Membership{Epoch: 1}
	for i := 1; i <= n; i++ {
		m.Members = append(m.Members, Member{ID: uint64(i), SignKey: keys(uint64(i)), NetKey: voteKey(uint64(i)), Addr: fmt.Sprintf("r%d", i)})
	}
	return m
}

// simNode is a replica of the simulation with its durable storage.
type simNode struct {
	id      uint64
	core    *Core
	signer  Signer
	voter   Signer // nil: the node signs votes with signer
	hs      HardState
	entries map[uint64]EntryRecord
	ledger  []Committed // applied blocks: durable
	down    bool
	byz     byzMode
	seen    map[string]bool // requests executed
	checked int             // ledger entries already checked by checkSafety
	m       *Membership     // membership after the checked entries
	started bool            // started before: a later start is a restart after a crash
	clean   bool            // stopped gracefully (stop): the next start is not after a crash
}

type byzMode int

const (
	honest     byzMode = iota
	equivocate         // as primary, sends different pre-prepares to different peers
	doubleVote         // sends conflicting prepares and commits
	vcFlood            // floods view changes for ever higher views
	poisoner           // attaches bodies foreign to their type to its votes
)

type flight struct {
	m  Message
	to uint64
	at int64
}

// sim is the deterministic network: a slice of in-flight messages and a
// seeded random source that decides delivery order, loss, duplication and
// delay.
type sim struct {
	t       testing.TB
	rng     *rand.Rand
	nodes   map[uint64]*simNode
	ids     []uint64
	net     []flight
	now     int64
	cut     map[[2]uint64]bool
	drop    float64
	dup     float64
	delay   int
	cfg     Config
	canon   []Committed // the first block seen committed at each height
	trace   *strings.Builder
	genesis *Membership
	reqs    int
	newSig  func(id uint64) Signer
	verif   Verifier
	newVote func(id uint64) Signer // nil: one scheme for every message
	voteVer Verifier
	steps   int

	// midCrash is the chance that a replica crashes right after sending a
	// Ready's Proposals and before persisting it; crashAllowed says whether
	// the run may take one more replica down.
	midCrash     float64
	crashAllowed func(nd *simNode) bool

	said map[saidKey]Hash // what each honest replica said, to catch it contradicting itself

	// judge answers the blocks a core asks about (Config.ValidateBlocks),
	// at once, in handle; nil holds the questions in held instead.
	judge func(seq uint64, b *Block) Verdict
	held  []heldValidation
	// presigned, if set, collects every Ready's Presign, per replica.
	presigned map[uint64][][]byte
}

// heldValidation is a question a core asked that the sim holds unanswered.
type heldValidation struct {
	nd *simNode
	v  Validation
}

// saidKey names one thing a replica says at most once: its pre-prepare,
// prepare or commit for a view and sequence number.
type saidKey struct {
	from, epoch, view, seq uint64
	typ                    MsgType
}

// noteVote fails the run if an honest replica sends a pre-prepare, prepare
// or commit that contradicts one it sent before, across restarts too.
func (s *sim) noteVote(from *simNode, m Message) {
	switch m.Type {
	case MsgPrePrepare, MsgPrepare, MsgCommit:
	default:
		return
	}
	if from.byz != honest {
		return
	}
	if s.said == nil {
		s.said = make(map[saidKey]Hash)
	}
	k := saidKey{from.id, m.Epoch, m.View, m.Seq, m.Type}
	if d, ok := s.said[k]; ok && d != m.Digest {
		s.t.Fatalf("honest replica %d sent two %ss for view %d seq %d: %s and %s", from.id, m.Type, m.View, m.Seq, d.Short(), m.Digest.Short())
	}
	s.said[k] = m.Digest
}

func newSim(t testing.TB, seed uint64, n int, cfg Config) *sim {
	s := &sim{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		nodes: make(map[uint64]*simNode), cut: make(map[[2]uint64]bool), cfg: cfg,
		newSig: func(id uint64) Signer { return macScheme{macKey(id)} }, verif: macScheme{},
		newVote: func(id uint64) Signer { return macScheme{voteKey(id)} }, voteVer: macScheme{},
	}
	s.genesis = testMembership(n, macKey)
	for _, mb := range s.genesis.Members {
		s.addNode(mb.ID)
	}
	return s
}

func (s *sim) addNode(id uint64) *simNode {
	nd := &simNode{id: id, signer: s.newSig(id), entries: make(map[uint64]EntryRecord), seen: make(map[string]bool)}
	if s.newVote != nil {
		nd.voter = s.newVote(id)
	}
	s.nodes[id] = nd
	s.ids = append(s.ids, id)
	slices.Sort(s.ids)
	s.start(nd)
	return nd
}

func (s *sim) membershipAt(nd *simNode) *Membership {
	m := s.genesis
	for _, c := range nd.ledger {
		if c.Block.Config != nil && c.Block.Config.Epoch > m.Epoch {
			m = c.Block.Config
		}
	}
	return m
}

// simChain is the chain ID of the simulations.
const simChain = "sim-chain"

// history returns the memberships before the one in force after nd's
// ledger, with the reconfiguration blocks that ended each, as a node reads
// them from its ledger.
func (s *sim) history(nd *simNode) ([]*Membership, []uint64) {
	var ms []*Membership
	var seqs []uint64
	m := s.genesis
	for _, c := range nd.ledger {
		if c.Block.Config != nil && c.Block.Config.Epoch > m.Epoch {
			ms, seqs = append(ms, m), append(seqs, c.Seq)
			m = c.Block.Config
		}
	}
	return ms, seqs
}

// coreConfig is the configuration a (re)start of nd builds from its
// storage, as the node does: Restore.Clean unless the last stop was a crash.
func (s *sim) coreConfig(nd *simNode) Config {
	cfg := s.cfg
	cfg.ID = nd.id
	if cfg.ChainID == "" {
		cfg.ChainID = simChain
	}
	cfg.Membership = s.genesis
	cfg.Signer = nd.signer
	cfg.Verifier = s.verif
	if nd.voter != nil {
		cfg.VoteSigner, cfg.VoteVerifier = nd.voter, s.voteVer
	}
	r := &Restore{Clean: !nd.started || nd.clean, HardState: nd.hs, Membership: s.membershipAt(nd)}
	r.History, r.ConfigSeqs = s.history(nd)
	if n := len(nd.ledger); n > 0 {
		r.Executed, r.StateDigest = nd.ledger[n-1].Seq, nd.ledger[n-1].StateDigest
	}
	for _, e := range nd.entries {
		r.Entries = append(r.Entries, e)
	}
	slices.SortFunc(r.Entries, func(a, b EntryRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	cfg.Restore = r
	return cfg
}

func (s *sim) start(nd *simNode) {
	c, err := New(s.coreConfig(nd))
	if err != nil {
		s.t.Fatalf("node %d: %v", nd.id, err)
	}
	nd.started, nd.clean = true, false
	nd.core = c
	nd.down = false
}

func (s *sim) crash(id uint64) { s.nodes[id].down = true; s.nodes[id].core = nil }

func (s *sim) restart(id uint64) { s.start(s.nodes[id]) }

// stop is a graceful stop: the replica handles (persists) every Ready it
// has and records a clean stop, so its next start restores with
// Restore.Clean. A crash in the middle (midCrash) leaves it unclean.
func (s *sim) stop(id uint64) {
	nd := s.nodes[id]
	s.handle(nd)
	if nd.down {
		return
	}
	nd.clean, nd.down, nd.core = true, true, nil
}

// handle processes one node's Ready: persist, send, apply, fetch, advance.
func (s *sim) handle(nd *simNode) {
	defer func() {}()
	for !nd.down && nd.core.HasReady() {
		rd := nd.core.Ready()
		// Proposals go out before the persist, as the node sends them.
		for _, m := range rd.Proposals {
			s.send(nd, m)
		}
		s.checkSettled(nd, &rd)
		if len(rd.Proposals) > 0 && s.midCrash > 0 && s.crashAllowed != nil && s.crashAllowed(nd) && s.rng.Float64() < s.midCrash {
			s.crash(nd.id) // this Ready's state is lost; its pre-prepares are out
			return
		}
		if rd.HardState != nil {
			nd.hs = *rd.HardState
		}
		for _, e := range rd.Entries {
			nd.entries[e.Seq] = e
		}
		if rd.PruneBelow > 0 {
			for seq := range nd.entries {
				if seq <= rd.PruneBelow {
					delete(nd.entries, seq)
				}
			}
		}
		for _, m := range rd.Messages {
			s.send(nd, m)
		}
		for _, c := range rd.Committed {
			if n := uint64(len(nd.ledger)); c.Seq != n+1 {
				s.t.Fatalf("node %d applied seq %d after %d", nd.id, c.Seq, n)
			}
			nd.ledger = append(nd.ledger, c)
			for _, tx := range c.Block.Txs {
				if bytes.HasPrefix(tx, []byte("req-")) {
					nd.seen[string(tx)] = true
				}
			}
		}
		if s.trace != nil {
			for _, c := range rd.Committed {
				fmt.Fprintf(s.trace, "%d commit s=%d d=%s txs=%d cert=%d\n", nd.id, c.Seq, c.Digest.Short(), len(c.Block.Txs), len(c.Cert.Sigs))
			}
			for _, e := range rd.Events {
				fmt.Fprintf(s.trace, "%d event %s v=%d s=%d\n", nd.id, e.Kind, e.View, e.Seq)
			}
		}
		if debugSim {
			for _, e := range rd.Events {
				s.t.Logf("t=%d node %d: %+v", s.now, nd.id, e)
			}
		}
		nd.core.Advance()
		if s.presigned != nil {
			s.presigned[nd.id] = append(s.presigned[nd.id], rd.Presign...)
		}
		for _, v := range rd.Validate {
			if s.judge == nil {
				s.held = append(s.held, heldValidation{nd, v})
				continue
			}
			nd.core.Validated(v.Seq, v.Digest, s.judge(v.Seq, v.Block))
		}
		if rd.Fetch != nil {
			s.fetch(nd, rd.Fetch)
		}
	}
}

// checkSettled fails the run if the core calls a block Settled while this
// replica's own COMMIT in its certificate is not yet on (simulated) disk.
func (s *sim) checkSettled(nd *simNode, rd *Ready) {
	if nd.byz == twinMode {
		return // the certificate's signature with its ID may be its twin's
	}
	for _, c := range rd.Committed {
		if !c.Settled {
			continue
		}
		own := false
		for _, sig := range c.Cert.Sigs {
			own = own || sig.Replica == nd.id
		}
		if !own || c.Seq <= nd.hs.StableSeq {
			continue
		}
		if e, ok := nd.entries[c.Seq]; !ok || e.Commit == nil || e.Commit.Digest != c.Digest {
			s.t.Fatalf("node %d: block %d is Settled but its own COMMIT is not persisted", nd.id, c.Seq)
		}
	}
}

// fetch plays the application's state transfer: copy blocks and
// certificates from the most advanced live peer and Install them. An
// honest peer is preferred; a faulty one serves too (Install verifies
// every certificate, as the node's fetch does), and an error from its
// blocks ends the transfer instead of failing the run.
func (s *sim) fetch(nd *simNode, f *Fetch) {
	better := func(p, than *simNode) bool {
		if than == nil {
			return true
		}
		if (p.byz == honest) != (than.byz == honest) {
			return p.byz == honest && len(p.ledger) > len(nd.ledger)
		}
		return len(p.ledger) > len(than.ledger)
	}
	var src *simNode
	for _, id := range s.ids {
		p := s.nodes[id]
		if p.id != nd.id && !p.down && len(p.ledger) > len(nd.ledger) && better(p, src) {
			src = p
		}
	}
	if src == nil {
		return
	}
	for seq := uint64(len(nd.ledger)) + 1; seq <= uint64(len(src.ledger)) && !nd.down; seq++ {
		// (handling an installed block may crash the replica: see midCrash)
		c := src.ledger[seq-1]
		cert := c.Cert
		if err := nd.core.Install(seq, c.Block, &cert); err != nil && !errors.Is(err, ErrOutOfOrder) {
			if src.byz != honest {
				return
			}
			s.t.Fatalf("node %d install %d: %v", nd.id, seq, err)
		}
		s.handle(nd)
	}
}

func (s *sim) send(from *simNode, m Message) {
	s.noteVote(from, m)
	var tos []uint64
	if m.To != 0 {
		tos = []uint64{m.To}
	} else {
		for _, id := range s.ids {
			if id != from.id {
				tos = append(tos, id)
			}
		}
	}
	for i, to := range tos {
		out := s.corrupt(from, m, i)
		enc := out.Encode() // exercise the codec on every message
		dec, err := Decode(enc, 0)
		if err != nil {
			s.t.Fatalf("decode own message: %v", err)
		}
		s.net = append(s.net, flight{m: *dec, to: to, at: s.now + int64(s.rng.IntN(s.delay+1))})
	}
}

// corrupt applies a Byzantine node's misbehaviour to one copy of a message.
func (s *sim) corrupt(from *simNode, m Message, i int) Message {
	switch from.byz {
	case equivocate:
		if m.Type == MsgPrePrepare && i%2 == 1 && m.Block.View == m.View && len(m.Block.Txs) > 0 {
			b := *m.Block
			b.Txs = slices.Clone(b.Txs)
			b.Txs[len(b.Txs)-1] = []byte(fmt.Sprintf("forged-%d-%d", m.Seq, i))
			m.Block, m.Digest = &b, b.Digest(m.Seq)
			from.sign(&m)
		}
	case doubleVote:
		if (m.Type == MsgPrepare || m.Type == MsgCommit) && i%2 == 1 {
			m.Digest[0] ^= 0xff
			from.sign(&m)
		}
	case poisoner:
		// The signature still verifies: these bodies are not covered.
		switch m.Type {
		case MsgCommit, MsgPrepare:
			m.VC = &ViewChange{}
		case MsgCheckpoint:
			m.Requests = [][]byte{[]byte("poison")}
		}
	}
	return m
}

func (s *sim) connected(a, b uint64) bool { return !s.cut[[2]uint64{min(a, b), max(a, b)}] }

func (s *sim) partition(group []uint64) {
	in := make(map[uint64]bool)
	for _, id := range group {
		in[id] = true
	}
	for _, a := range s.ids {
		for _, b := range s.ids {
			if a < b && in[a] != in[b] {
				s.cut[[2]uint64{a, b}] = true
			}
		}
	}
}

func (s *sim) heal() { clear(s.cut); s.drop, s.dup = 0, 0 }

// deliverSome delivers a random subset of due messages.
func (s *sim) deliverSome() {
	if len(s.net) == 0 {
		return
	}
	k := 1 + s.rng.IntN(len(s.net))
	for range k {
		if len(s.net) == 0 {
			return
		}
		i := s.rng.IntN(len(s.net))
		f := s.net[i]
		if f.at > s.now {
			continue
		}
		s.net[i] = s.net[len(s.net)-1]
		s.net = s.net[:len(s.net)-1]
		to := s.nodes[f.to]
		if to == nil || to.down || !s.connected(f.m.From, f.to) || s.rng.Float64() < s.drop {
			continue
		}
		if s.rng.Float64() < s.dup {
			s.net = append(s.net, f)
		}
		err := to.core.Step(f.m)
		if err != nil && !errors.Is(err, ErrNotMember) && s.nodes[f.m.From].byz == honest {
			s.t.Fatalf("node %d rejected a message from %d (%s): %v", f.to, f.m.From, f.m.Type, err)
		}
		s.handle(to)
	}
}

func (s *sim) live() []*simNode {
	var out []*simNode
	for _, id := range s.ids {
		if nd := s.nodes[id]; !nd.down {
			out = append(out, nd)
		}
	}
	return out
}

func (s *sim) submit(n int) {
	for range n {
		s.reqs++
		req := []byte(fmt.Sprintf("req-%d", s.reqs))
		live := s.live() // a replica may crash while handling a submission
		nd := live[s.rng.IntN(len(live))]
		if err := nd.core.Propose(req); err != nil && !errors.Is(err, ErrBusy) {
			s.t.Fatal(err)
		}
		s.handle(nd)
	}
}

// step advances the simulation by one time unit.
func (s *sim) step() {
	s.steps++
	s.now++
	s.deliverSome()
	for _, nd := range s.live() {
		if nd.byz == vcFlood && s.rng.IntN(4) == 0 {
			m := Message{Type: MsgViewChange, From: nd.id, View: nd.core.view + uint64(s.steps), VC: &ViewChange{}}
			nd.sign(&m)
			s.send(nd, m)
		}
		nd.core.Tick(1_700_000_000_000 + s.now)
		s.handle(nd)
	}
}

// honestNodes returns the nodes that follow the protocol.
func (s *sim) honestNodes() []*simNode {
	var out []*simNode
	for _, id := range s.ids {
		if s.nodes[id].byz == honest {
			out = append(out, s.nodes[id])
		}
	}
	return out
}

// checkSafety verifies agreement (equal digests at every height across
// honest replicas) and validity (every block's certificate verifies against
// the membership in force at its height). It checks each entry once.
func (s *sim) checkSafety() {
	s.t.Helper()
	for _, nd := range s.honestNodes() {
		if nd.m == nil {
			nd.m = s.genesis
		}
		for ; nd.checked < len(nd.ledger); nd.checked++ {
			i, c := nd.checked, nd.ledger[nd.checked]
			if i == len(s.canon) {
				s.canon = append(s.canon, c)
			}
			if ref := s.canon[i]; c.Digest != ref.Digest || c.StateDigest != ref.StateDigest {
				s.t.Fatalf("agreement violated at height %d (step %d): node %d has %s (view %d), another has %s (view %d)", i+1, s.steps, nd.id, c.Digest.Short(), c.Cert.View, ref.Digest.Short(), ref.Cert.View)
			}
			if err := c.Cert.Verify(simChain, nd.m, s.verif); err != nil || c.Cert.Digest != c.Digest || c.Cert.Seq != c.Seq {
				s.t.Fatalf("validity violated at height %d on node %d: %v", i+1, nd.id, err)
			}
			if c.Block.Config != nil && c.Block.Config.Epoch > nd.m.Epoch {
				nd.m = c.Block.Config
			}
		}
	}
}

// missing returns the requests some honest live member has not executed.
func (s *sim) missing() map[string]bool {
	miss := make(map[string]bool)
	for _, nd := range s.honestNodes() {
		if nd.down || !nd.core.m.Has(nd.id) || len(nd.seen) >= s.reqs {
			continue
		}
		for i := 1; i <= s.reqs; i++ {
			if r := fmt.Sprintf("req-%d", i); !nd.seen[r] {
				miss[r] = true
			}
		}
	}
	return miss
}

func (s *sim) allExecuted() bool { return len(s.missing()) == 0 }

// settle steps until every submitted request has executed, at most limit
// steps, resubmitting what is missing every 300 steps and, with
// submitEvery > 0, submitting a new request that often. It checks safety
// and reports whether everything executed.
func (s *sim) settle(limit, submitEvery int) bool {
	for i := 0; i < limit && !s.allExecuted(); i++ {
		if submitEvery > 0 && i%submitEvery == 0 {
			s.submit(1)
		}
		if i%300 == 299 {
			s.resubmit()
		}
		s.step()
	}
	s.checkSafety()
	return s.allExecuted()
}

// resubmit plays the client's retry rule: a request not executed yet is
// sent again to some live replica. Replicas execute a request once (the
// application deduplicates; see checkNoDuplicates for the core's part).
func (s *sim) resubmit() {
	live := s.live()
	for r := range s.missing() {
		nd := live[s.rng.IntN(len(live))]
		_ = nd.core.Propose([]byte(r))
		s.handle(nd)
	}
}

// checkNoDuplicates verifies that no request was committed twice.
func (s *sim) checkNoDuplicates() {
	for _, nd := range s.honestNodes() {
		seen := make(map[string]bool)
		for _, c := range nd.ledger {
			for _, tx := range c.Block.Txs {
				if seen[string(tx)] {
					s.t.Fatalf("node %d committed %q twice", nd.id, tx)
				}
				seen[string(tx)] = true
			}
		}
	}
}

func simConfig() Config {
	return Config{CheckpointInterval: 4, WindowSize: 16, MaxBatch: 8, MaxInFlight: 3, RequestTimeout: 30}
}

// runChaos runs one seed: a faulty phase, then heal and check liveness.
func runChaos(t testing.TB, seed uint64, n int, byz byzMode) *sim {
	s := newSim(t, seed, n, simConfig())
	s.delay = 3
	s.drop = 0.05 + 0.1*s.rng.Float64()
	s.dup = 0.05
	f := s.genesis.F()
	if byz != honest {
		for i := 0; i < f; i++ {
			s.nodes[s.ids[i]].byz = byz // ids[0] is the primary of view 0
		}
	}
	mayCrash := func() bool {
		down := n - len(s.live())
		return down < f-countByz(s) || (byz == honest && down < f)
	}
	// Some crashes fall between a primary's sending its pre-prepares and
	// persisting them.
	s.midCrash = 0.03
	s.crashAllowed = func(nd *simNode) bool { return nd.byz == honest && mayCrash() }
	for round := 0; round < 400; round++ {
		if round%5 == 0 {
			s.submit(1 + s.rng.IntN(3))
		}
		switch r := s.rng.IntN(100); {
		case r < 2:
			// crash an honest node, never more than f at once
			if mayCrash() {
				live := s.live()
				nd := live[s.rng.IntN(len(live))]
				if nd.byz == honest {
					s.crash(nd.id)
				}
			}
		case r < 5:
			for _, nd := range s.nodes {
				if nd.down {
					s.restart(nd.id)
				}
			}
		case r < 6:
			g := slices.Clone(s.ids)
			s.rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
			s.partition(g[:1+s.rng.IntN(n-1)])
		case r < 9:
			clear(s.cut)
		}
		s.step()
		s.checkSafety()
	}
	// Heal: everyone up and connected, no loss. The network must commit
	// everything that was submitted, and new requests.
	s.heal()
	s.midCrash = 0
	for _, nd := range s.nodes {
		if nd.down {
			s.restart(nd.id)
		}
	}
	s.submit(5)
	// New requests keep checkpoints coming, so laggards can catch up.
	if !s.settle(20000, 200) {
		s.dump()
		t.Fatalf("seed %d: liveness after heal: not every request executed after %d steps", seed, s.steps)
	}
	return s
}

func countByz(s *sim) int {
	n := 0
	for _, nd := range s.nodes {
		if nd.byz != honest {
			n++
		}
	}
	return n
}

func (s *sim) dump() {
	for _, nd := range s.nodes {
		if nd.core == nil {
			s.t.Logf("node %d down, ledger %d", nd.id, len(nd.ledger))
			continue
		}
		st := nd.core.Status()
		s.t.Logf("node %d: view %d vc=%v executed %d stable %d pending %d ledger %d", nd.id, st.View, st.InViewChange, st.Executed, st.StableSeq, st.Pending, len(nd.ledger))
	}
}

var debugSim = os.Getenv("PBFT_DEBUG") != ""

func seeds(n int) int {
	if os.Getenv("PBFT_SOAK") != "" {
		return n * 20
	}
	if testing.Short() {
		return n / 10
	}
	return n
}

func TestSimChaos(t *testing.T) {
	for seed := range uint64(seeds(200)) {
		runChaos(t, seed, 4, honest)
	}
}

func TestSimChaosSeven(t *testing.T) {
	for seed := range uint64(seeds(40)) {
		runChaos(t, 1000+seed, 7, honest)
	}
}

func TestSimEquivocatingPrimary(t *testing.T) {
	for seed := range uint64(seeds(60)) {
		runChaos(t, 2000+seed, 4, equivocate)
	}
}

func TestSimDoubleVoting(t *testing.T) {
	for seed := range uint64(seeds(60)) {
		runChaos(t, 3000+seed, 4, doubleVote)
	}
}

func TestSimViewChangeFlood(t *testing.T) {
	for seed := range uint64(seeds(40)) {
		s := runChaos(t, 4000+seed, 7, vcFlood)
		for _, nd := range s.honestNodes() {
			if v := nd.core.view; v > 1000 {
				t.Fatalf("seed %d: f flooding replicas dragged node %d to view %d", seed, nd.id, v)
			}
		}
	}
}

// TestSimMLDSA runs a few seeds with the real schemes: ML-DSA-65
// certificates and Ed25519ctx votes (seed 0 signs everything with ML-DSA,
// the configuration without a vote scheme).
func TestSimMLDSA(t *testing.T) {
	for seed := range uint64(3) {
		s := &sim{t: t, rng: rand.New(rand.NewPCG(seed, 7)), nodes: make(map[uint64]*simNode), cut: make(map[[2]uint64]bool), cfg: simConfig()}
		productionSchemes(s, 4, nil, nil)
		if seed == 0 {
			s.newVote, s.voteVer = nil, nil
		}
		for _, mb := range s.genesis.Members {
			s.addNode(mb.ID)
		}
		s.delay = 2
		s.drop = 0.05
		for i := 0; i < 300; i++ {
			if i%10 == 0 {
				s.submit(2)
			}
			if i == 100 {
				s.crash(1) // the primary
			}
			s.step()
		}
		s.heal()
		s.restart(1)
		for i := 0; i < 5000 && !s.allExecuted(); i++ {
			s.step()
		}
		s.checkSafety()
		if !s.allExecuted() {
			t.Fatalf("seed %d: not all executed", seed)
		}
	}
}

func TestForgedAndForeignMessages(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	c := s.nodes[2].core
	good := Message{Type: MsgPrepare, From: 3, Epoch: 1, View: 0, Seq: 1}
	s.nodes[3].sign(&good)

	forged := good
	forged.Sig = bytes.Repeat([]byte{7}, 32)
	if err := c.Step(forged); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged signature: got %v", err)
	}
	stolen := good
	stolen.From = 4 // signature by 3, claims 4
	if err := c.Step(stolen); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("stolen signature: got %v", err)
	}
	foreign := good
	foreign.From = 99
	if err := c.Step(foreign); !errors.Is(err, ErrNotMember) {
		t.Fatalf("non-member: got %v", err)
	}
	self := good
	self.From = 2
	if err := c.Step(self); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("message claiming to be from self: got %v", err)
	}
	// A prepare from the primary of its view is malformed.
	prim := Message{Type: MsgPrepare, From: 1, Epoch: 1, View: 0, Seq: 1}
	s.nodes[1].sign(&prim)
	if err := c.Step(prim); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("prepare from primary: got %v", err)
	}
	// A view change whose prepared proof is forged.
	vc := Message{Type: MsgViewChange, From: 3, View: 1, VC: &ViewChange{Prepared: []PreparedProof{{PrePrepare: Message{Type: MsgPrePrepare, From: 1, Epoch: 1, Seq: 1, Digest: (&Block{}).Digest(1)}}}}}
	s.nodes[3].sign(&vc)
	if err := c.Step(vc); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged prepared proof: got %v", err)
	}
	if c.view != 0 || c.inVC {
		t.Fatal("rejected messages changed the replica's view")
	}
	// Votes are signed with the vote key, certificate shares with the
	// certificate key; a signature by the other key of the right replica
	// is refused.
	wrongKey := Message{Type: MsgPrepare, From: 3, Epoch: 1, View: 0, Seq: 1}
	wrongKey.Sig = macScheme{macKey(3)}.Sign(wrongKey.signingBytes(simChain))
	if err := c.Step(wrongKey); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("prepare signed with the certificate key: got %v", err)
	}
	com := Message{Type: MsgCommit, From: 3, Epoch: 1, View: 0, Seq: 1}
	com.Sig = macScheme{voteKey(3)}.Sign(com.signingBytes(simChain))
	if err := c.Step(com); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("commit signed with the vote key: got %v", err)
	}
	s.nodes[3].sign(&com)
	if err := c.Step(com); err != nil {
		t.Fatalf("commit signed with the certificate key: %v", err)
	}
}

// sign signs m as the node's core would: votes with its vote signer, if
// it has one.
func (nd *simNode) sign(m *Message) {
	m.From = nd.id
	if m.Epoch == 0 && nd.core != nil {
		m.Epoch = nd.core.m.Epoch
	}
	if nd.voter != nil && isVote(m.Type) {
		m.Sig = nd.voter.Sign(m.signingBytes(simChain))
		return
	}
	m.Sig = nd.signer.Sign(m.signingBytes(simChain))
}

func TestFarBeyondWatermarksIsBounded(t *testing.T) {
	s := newSim(t, 1, 4, simConfig())
	c := s.nodes[2].core
	for i := range 10000 {
		seq := c.high() + 1000 + uint64(i)
		b := &Block{View: 0, Proposer: 1, Txs: [][]byte{[]byte("x")}}
		pp := Message{Type: MsgPrePrepare, From: 1, Seq: seq, Block: b, Digest: b.Digest(seq)}
		s.nodes[1].sign(&pp)
		if err := c.Step(pp); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.stash[1]); n > c.cfg.StashPerPeer {
		t.Fatalf("stash holds %d messages from one peer, bound is %d", n, c.cfg.StashPerPeer)
	}
	if len(c.log) != 0 {
		t.Fatalf("log grew to %d entries from out-of-window pre-prepares", len(c.log))
	}
}

func TestReplayedOldViewMessages(t *testing.T) {
	s := newSim(t, 5, 4, simConfig())
	var recorded []flight
	for i := 0; i < 100; i++ {
		if i%10 == 0 {
			s.submit(2)
		}
		s.step()
		recorded = append(recorded, s.net...)
	}
	s.crash(1) // force a view change away from view 0
	for i := 0; i < 2000 && s.nodes[2].core.view == 0; i++ {
		s.submit(1)
		s.step()
	}
	if s.nodes[2].core.view == 0 {
		t.Fatal("no view change after the primary crashed")
	}
	before := len(s.nodes[2].ledger)
	for _, f := range recorded {
		for _, id := range []uint64{2, 3, 4} {
			if f.m.From == id {
				continue
			}
			if err := s.nodes[id].core.Step(f.m); err != nil && !errors.Is(err, ErrNotMember) {
				t.Fatalf("replayed message rejected with error: %v", err)
			}
			s.handle(s.nodes[id])
		}
	}
	s.checkSafety()
	s.checkNoDuplicates()
	if len(s.nodes[2].ledger) < before {
		t.Fatal("ledger shrank")
	}
}

// TestSimPrimaryCrashAfterEarlyProposal crashes the primary between
// sending a pre-prepare (Ready.Proposals) and persisting it, restarts it
// at once and gives it other requests: it must not assign the lost
// sequence number again in that view (noteVote fails the run if it does),
// and the network must still commit everything, the lost block included
// if the backups prepared it.
func TestSimPrimaryCrashAfterEarlyProposal(t *testing.T) {
	for seed := range uint64(seeds(20)) {
		s := newSim(t, seed, 4, simConfig())
		s.delay = 2
		crashed := false
		s.midCrash = 1
		s.crashAllowed = func(nd *simNode) bool {
			if nd.id != 1 || crashed {
				return false
			}
			crashed = true
			return true
		}
		s.submit(1)
		for len(s.live()) == 4 {
			s.submit(1)
		}
		s.restart(1)
		for i := 0; i < 40; i++ {
			if i%4 == 0 {
				s.nodes[1].core.Propose([]byte(fmt.Sprintf("req-after-%d", i)))
				s.handle(s.nodes[1])
			}
			s.step()
			s.checkSafety()
		}
		if !s.settle(5000, 0) {
			s.dump()
			t.Fatalf("seed %d: not every request executed after the primary's restart", seed)
		}
	}
}

// TestSettled checks Committed.Settled where it must be false: a single
// replica commits a block in the Ready that logs its own COMMIT, and with
// K=1 the checkpoint that becomes stable in the same step drops the entry
// before that Ready is even built.
func TestSettled(t *testing.T) {
	for _, k := range []uint64{1, 4} {
		s := newSim(t, 1, 1, Config{CheckpointInterval: k, WindowSize: 4 * k, MaxBatch: 8, MaxInFlight: 1, RequestTimeout: 30})
		for i := range 6 {
			s.submit(1)
			for _, c := range s.nodes[1].ledger[i:] {
				if c.Settled {
					t.Fatalf("K=%d: block %d of a lone replica is Settled before its COMMIT is persisted", k, c.Seq)
				}
			}
		}
		if len(s.nodes[1].ledger) != 6 {
			t.Fatalf("K=%d: %d blocks committed, want 6", k, len(s.nodes[1].ledger))
		}
	}
	// Four replicas: COMMITs persisted in an earlier Ready make later blocks Settled.
	s := newSim(t, 2, 4, simConfig())
	s.submit(8)
	for i := 0; i < 500 && !s.allExecuted(); i++ {
		s.step()
	}
	settled := 0
	for _, nd := range s.nodes {
		for _, c := range nd.ledger {
			if c.Settled {
				settled++
			}
		}
	}
	if settled == 0 {
		t.Fatal("no block was Settled in a four-replica run")
	}
}
