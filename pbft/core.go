package pbft

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
)

// Verdict is the application's judgement of a proposed block.
type Verdict int

// Verdicts.
const (
	Accept  Verdict = iota // the block is valid: prepare it
	Reject                 // the block is invalid on every correct replica: the primary is faulty
	Abstain                // this replica cannot tell (e.g. a plugin hit a wall-clock limit): do not vote
)

// String returns "accept", "reject" or "abstain".
func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Abstain:
		return "abstain"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// MarshalText writes the verdict as String does, for JSON documents that
// carry one (a plugin's result).
func (v Verdict) MarshalText() ([]byte, error) {
	if v < Accept || v > Abstain {
		return nil, fmt.Errorf("pbft: no such verdict %d", int(v))
	}
	return []byte(v.String()), nil
}

// UnmarshalText reads "accept", "reject" or "abstain".
func (v *Verdict) UnmarshalText(b []byte) error {
	for _, w := range []Verdict{Accept, Reject, Abstain} {
		if string(b) == w.String() {
			*v = w
			return nil
		}
	}
	return fmt.Errorf("pbft: %q is not a verdict (accept, reject or abstain)", b)
}

// Validation is a proposed block the core asks the application to judge
// (Config.ValidateBlocks), the way raft asks its application to persist:
// through Ready. The application answers with Core.Validated(Seq, Digest,
// verdict), later and on its own schedule, so judging never runs inside
// Step. Until the verdict, the core neither votes for the block nor, as
// primary, proposes it (its own reconfiguration block). The verdict must
// be deterministic for Accept and Reject; Abstain is for local trouble.
// The application must answer every Validation it is given; a verdict on
// a block the core no longer waits for (the view moved on, the sequence
// number executed) is ignored.
type Validation struct {
	Seq    uint64
	Digest Hash
	Block  *Block
}

// Config configures a Core. Zero values take the defaults of withDefaults.
type Config struct {
	ID uint64
	// ChainID names the chain; every consensus signature binds it, so a
	// vote or certificate of one chain never counts on another.
	ChainID    string
	Membership *Membership // in force after the last executed block
	Signer     Signer      // commits and checkpoints: the certificates (Member.SignKey)
	Verifier   Verifier    // for Signer's signatures
	// ValidateBlocks makes the core ask the application to judge every
	// proposed block (Ready.Validate, Core.Validated) before it votes for
	// it; false accepts every block.
	ValidateBlocks bool

	// VoteSigner and VoteVerifier, if set, sign and verify with each
	// member's NetKey the messages that matter only while the protocol
	// runs: pre-prepares, prepares, view changes and new views. Commits and
	// checkpoints, whose signatures are the certificates kept with the
	// chain and checked offline for decades, always use Signer. Every
	// replica of a chain must agree on this choice.
	VoteSigner   Signer
	VoteVerifier Verifier

	CheckpointInterval uint64 // K: a checkpoint every K blocks (default 16)
	WindowSize         uint64 // L: high watermark = low + L (default 4K)
	MaxBatch           int    // requests per block (default 1024)
	MaxBatchBytes      int    // bytes of requests per block (default 4 MiB)
	BatchDelay         int    // ticks the primary may wait to fill a block (default 0: propose at once)
	MaxInFlight        int    // blocks proposed but not executed (default 4)
	MaxPending         int    // requests a replica tracks (default 100000)
	MaxRequestBytes    int    // one request (default 1 MiB)
	MaxPendingBytes    int    // bytes of requests a replica tracks (default 256 MiB)
	RequestTimeout     int    // ticks before a stuck request triggers a view change (default 20)
	MaxTimeoutShift    int    // the view-change timeout doubles at most this many times (default 6)
	StashPerPeer       int    // messages kept per peer for a future view or sequence (default 4L)
	StashBytesPerPeer  int    // bytes of such messages kept per peer (default 2*MaxBatchBytes + 1 MiB)

	// MaxClockSkew bounds, in milliseconds, how far the time a primary
	// stamps on a block may be from a backup's own clock (the now of its
	// last Tick) for the backup to vote for it (default 60000). It is a
	// vote, not execution: a block's validity never depends on a clock.
	MaxClockSkew int64

	// Restore resumes from persisted state; nil starts at genesis.
	Restore *Restore
}

func (c Config) withDefaults() Config {
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = 16
	}
	if c.WindowSize == 0 {
		c.WindowSize = 4 * c.CheckpointInterval
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = 1024
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = 4 << 20
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 4
	}
	if c.MaxPending == 0 {
		c.MaxPending = 100000
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = 1 << 20
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 20
	}
	if c.MaxTimeoutShift == 0 {
		c.MaxTimeoutShift = 6
	}
	if c.StashPerPeer == 0 {
		c.StashPerPeer = int(4 * c.WindowSize)
	}
	if c.StashBytesPerPeer == 0 {
		c.StashBytesPerPeer = 2*c.MaxBatchBytes + 1<<20
	}
	if c.MaxPendingBytes == 0 {
		c.MaxPendingBytes = 256 << 20
	}
	if c.MaxClockSkew == 0 {
		c.MaxClockSkew = 60_000
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.ID == 0:
		return fmt.Errorf("%w: ID must be non-zero", ErrBadConfig)
	case c.Signer == nil || c.Verifier == nil:
		return fmt.Errorf("%w: Signer and Verifier are required", ErrBadConfig)
	case (c.VoteSigner == nil) != (c.VoteVerifier == nil):
		return fmt.Errorf("%w: VoteSigner and VoteVerifier go together", ErrBadConfig)
	case c.WindowSize < c.CheckpointInterval:
		return fmt.Errorf("%w: WindowSize %d is below CheckpointInterval %d", ErrBadConfig, c.WindowSize, c.CheckpointInterval)
	case c.MaxInFlight < 1 || uint64(c.MaxInFlight) > c.WindowSize:
		return fmt.Errorf("%w: MaxInFlight must be in [1, WindowSize]", ErrBadConfig)
	}
	m := c.Membership
	if c.Restore != nil && c.Restore.Membership != nil {
		m = c.Restore.Membership
	}
	return m.Validate()
}

// HardState is what a replica must never forget: its view, its stable
// checkpoint, and whether it is muted. Persist it (with fsync) before
// sending a Ready's messages.
type HardState struct {
	View         uint64
	InViewChange bool
	StableSeq    uint64
	StableDigest Hash
	StableProof  []Message
	// Muted says the replica may have sent pre-prepares it never
	// persisted (it restarted after a crash), so it proposes nothing in
	// any view up to MuteView. It stays set across every later restart,
	// clean ones included, until the replica moves to a later view.
	Muted    bool
	MuteView uint64
}

// EntryRecord is the persisted state of one sequence number: the pre-prepare
// this replica accepted, the votes it sent, and its best prepared proof. A
// restarted replica that reloads these never votes twice differently.
type EntryRecord struct {
	Seq        uint64
	PrePrepare *Message // accepted (or, at the primary, sent) pre-prepare, with its block
	Prepare    *Message // PREPARE this replica sent
	Commit     *Message // COMMIT this replica sent
	Prepared   *PreparedProof
	// PreparedBlock is the body of the block Prepared names (its
	// pre-prepare carries the digest only); nil if not known yet.
	PreparedBlock *Block
}

// inEpoch reports whether everything the record holds was voted in epoch e.
func (er *EntryRecord) inEpoch(e uint64) bool {
	for _, m := range []*Message{er.PrePrepare, er.Prepare, er.Commit} {
		if m != nil && m.Epoch != e {
			return false
		}
	}
	return er.Prepared == nil || er.Prepared.PrePrepare.Epoch == e
}

// Restore is the state a replica resumes from after a restart.
type Restore struct {
	// Clean says the replica stopped after persisting every Ready whose
	// Proposals it sent (a graceful stop). After a crash it is false, and
	// the replica proposes nothing in the view it restores: a pre-prepare
	// sent before the crash may be missing from Entries.
	Clean       bool
	HardState   HardState
	Entries     []EntryRecord
	Executed    uint64      // last block the application applied
	StateDigest Hash        // chain digest after Executed (Committed.StateDigest)
	Membership  *Membership // in force after Executed
	// History holds earlier memberships, oldest first, with the sequence
	// number of the reconfiguration block that ended each (ConfigSeqs[i]
	// ended History[i]). The core checks checkpoint proofs signed under
	// them; the application reads them from its ledger. The last two are
	// enough.
	History    []*Membership
	ConfigSeqs []uint64
}

// Committed is a block to apply, in order, with the proof that it committed.
type Committed struct {
	Seq         uint64
	Digest      Hash
	Block       *Block
	Cert        Certificate
	StateDigest Hash // H(previous StateDigest || Seq || Digest): the chain digest
	// Membership is set when this block put a new membership in force
	// from Seq+1 on: the core's decision, which the application records
	// as it is (it is not re-derived from the block's transactions).
	Membership *Membership
	// Settled reports that every COMMIT in Cert was persisted by its sender
	// before this Ready: this replica's own in an earlier Ready (or it sent
	// none), each peer's before it sent it. The block is then fixed at Seq
	// even if every replica crashed now, so the application may answer
	// clients before persisting this Ready. It is false when this Ready
	// also carries this replica's COMMIT (always so with one replica).
	Settled bool
}

// Fetch asks the application to get the committed blocks in [From, To] with
// their certificates from peers and hand them to Install in order.
type Fetch struct {
	From, To uint64
	Peers    []uint64 // members known to have them
}

// Event reports something an operator would want in the log.
type Event struct {
	Kind string // "view-change", "new-view", "stable-checkpoint", "reconfigured", "equivocation", "rejected-block"
	View uint64
	Seq  uint64
	Peer uint64
	Note string
}

// Ready holds what the application must do, in this order: persist
// HardState (if set) and Entries, send Messages, apply Committed, start
// Fetch. Then it calls Advance. Proposals may go out before the persist
// (or with Messages): they are the pre-prepares of blocks this replica
// just proposed as primary, and the core makes sending them early safe
// (see Restore.Clean), so the primary's fsync overlaps the backups'.
type Ready struct {
	HardState  *HardState
	Entries    []EntryRecord
	PruneBelow uint64 // entries at or below this sequence number may be deleted
	Proposals  []Message
	Messages   []Message
	Committed  []Committed
	Fetch      *Fetch
	Events     []Event
	// Validate lists blocks to judge (Config.ValidateBlocks); see
	// Validation. Judging may start at once: nothing in it waits for the
	// persist.
	Validate []Validation
	// Presign holds the bytes this replica's COMMITs will be signed over
	// if the pre-prepares logged in Entries prepare: the application may
	// sign them ahead (its Signer then finds the signature ready, and the
	// prepare round no longer waits for a signature). The core knows its
	// own bytes; the application never rebuilds them.
	Presign [][]byte
}

// IsEmpty reports whether there is nothing to do.
func (r *Ready) IsEmpty() bool {
	return r.HardState == nil && len(r.Entries) == 0 && len(r.Messages) == 0 && len(r.Proposals) == 0 &&
		len(r.Committed) == 0 && r.Fetch == nil && len(r.Events) == 0 && r.PruneBelow == 0 && len(r.Validate) == 0
}

// entry is the log state of one sequence number.
type entry struct {
	seq      uint64
	view     uint64 // view of the accepted pre-prepare
	epoch    uint64 // epoch of the accepted pre-prepare
	digest   Hash
	pp       *Message // accepted pre-prepare in view; its Block is nil while the body is fetched
	prepares map[uint64]*Message
	commits  map[uint64]*Message
	myPrep   *Message
	myCommit *Message
	prepared *PreparedProof // highest-view prepared proof, kept across views
	prepBlk  *Block         // body of the block prepared names, if known
	known    *Block         // body of the last pre-prepare accepted at seq, kept across views
	commitOK bool           // committed-local in view
	cert     Certificate
}

type pendingReq struct {
	data    []byte
	tick    int64
	atBlock uint64 // Core.blocks when the request arrived
	ahead   int    // requests pending when it arrived
}

// blockWant is a block body this replica needs (a NEW-VIEW carries
// digests only) and asks its peers for.
type blockWant struct {
	digest Hash
	peers  []uint64 // members known to have it, asked in turn
	next   int      // index into peers of the next one to ask
	asked  int64    // tick of the last request
}

// Core is the pBFT state machine of one replica. It is not safe for
// concurrent use: one goroutine owns it.
type Core struct {
	cfg Config
	id  uint64
	m   *Membership

	view      uint64
	inVC      bool
	executed  uint64
	stateDig  Hash
	stableSeq uint64
	stableDig Hash
	stableMsg []Message

	log         map[uint64]*entry
	checkpoints map[uint64]map[uint64]*Message // seq → from → checkpoint
	viewChanges map[uint64]map[uint64]*Message // view → from → view-change

	nextSeq uint64 // primary: last sequence number assigned
	barrier uint64 // sequence of a reconfiguration block not yet executed (0 = none)

	// requests: known, not yet executed; queue holds hashes in arrival order.
	pending      map[Hash]*pendingReq
	pendingBytes int
	queue        []Hash
	proposed     map[Hash]uint64 // request → seq it was proposed at (primary)
	forward      [][]byte        // backup: requests to forward to the primary
	configQ      []*Block        // reconfiguration blocks waiting to be proposed

	ticks        int64
	now          int64  // wall clock of the last Tick, Unix ms
	lastTime     int64  // time of the last block this replica proposed
	execTime     int64  // time of the last block executed
	waitSince    int64  // tick since which requests wait without progress (-1 none)
	blocks       uint64 // blocks with transactions executed since start
	vcDeadline   int64  // tick at which the current view change gives up (-1 none)
	vcResend     int64  // tick at which to resend our VIEW-CHANGE while no quorum has answered
	timeoutShift int

	stash      map[uint64][]Message  // per sender: messages for a later view, sequence or epoch
	stashBytes map[uint64]int        // per sender: approximate bytes held in stash
	wants      map[uint64]*blockWant // seq → block body being fetched from peers
	futureCP   map[uint64]uint64     // sender → highest seq of its checkpoint in a later epoch
	answered   map[uint64]int        // sender → block bodies sent to it this tick
	configPP   *Message              // a reconfiguration pre-prepare waiting for the blocks before it
	judging    map[uint64]*Message   // seq → pre-prepare waiting for the application's verdict
	ownConfig  *ownConfig            // primary: its reconfiguration block waiting for the verdict
	validate   []Validation          // blocks to judge, for the next Ready
	lastCP     *Message              // this replica's latest checkpoint, for peers left in an earlier epoch
	helped     map[uint64]int64      // peer → tick+1 at which it was last sent lastCP

	verified map[Hash]struct{} // signatures already checked (message hash)
	peerView map[uint64]uint64 // highest view each peer spoke in
	vcFrom   map[uint64]uint64 // sender → view of its stored VIEW-CHANGE
	lastNV   *Message          // the NEW-VIEW this replica sent last, to resend to laggards

	// history holds the memberships before c.m, oldest first (at most
	// maxHistory); configSeqs[i] is the reconfiguration block that ended
	// history[i]. Checkpoint proofs name their epoch and are checked
	// against the membership of that epoch.
	history    []*Membership
	configSeqs []uint64

	// A replica restored after a crash may have sent pre-prepares it had
	// not persisted (Ready.Proposals), so it assigns no new sequence
	// number in any view up to the one it was in: it cannot equivocate.
	// The mute is part of HardState, so it survives later restarts.
	muted    bool
	muteView uint64

	// Ready accumulation.
	hsDirty    bool
	dirty      map[uint64]bool
	msgs       []Message
	proposals  []Message
	committed  []Committed
	fetch      *Fetch
	events     []Event
	pruneBelow uint64
}

// New creates a Core. It fails if the configuration is unusable.
func New(cfg Config) (*Core, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Core{
		cfg:         cfg,
		id:          cfg.ID,
		m:           cfg.Membership.Clone(),
		log:         make(map[uint64]*entry),
		checkpoints: make(map[uint64]map[uint64]*Message),
		viewChanges: make(map[uint64]map[uint64]*Message),
		pending:     make(map[Hash]*pendingReq),
		proposed:    make(map[Hash]uint64),
		stash:       make(map[uint64][]Message),
		stashBytes:  make(map[uint64]int),
		wants:       make(map[uint64]*blockWant),
		futureCP:    make(map[uint64]uint64),
		dirty:       make(map[uint64]bool),
		judging:     make(map[uint64]*Message),
		waitSince:   -1,
		vcDeadline:  -1,
	}
	if r := cfg.Restore; r != nil {
		c.restore(r)
	}
	return c, nil
}

func (c *Core) restore(r *Restore) {
	if r.Membership != nil {
		c.m = r.Membership.Clone()
	}
	for i, m := range r.History {
		if i < len(r.ConfigSeqs) && m != nil {
			c.pushHistory(m.Clone(), r.ConfigSeqs[i])
		}
	}
	hs := r.HardState
	c.view, c.inVC = hs.View, hs.InViewChange
	switch {
	case !r.Clean:
		// After a crash: mute in this view, and say so on disk before
		// anything else, so a later clean restart stays muted.
		c.muted, c.muteView = true, max(hs.View, hs.MuteView)
		c.hsDirty = !hs.Muted || hs.MuteView != c.muteView
	case hs.Muted && hs.View <= hs.MuteView:
		c.muted, c.muteView = true, hs.MuteView
	}
	c.stableSeq, c.stableDig, c.stableMsg = hs.StableSeq, hs.StableDigest, hs.StableProof
	for i := range hs.StableProof {
		if hs.StableProof[i].From == c.id {
			c.lastCP = &hs.StableProof[i]
		}
	}
	c.executed, c.stateDig = r.Executed, r.StateDigest
	for _, er := range r.Entries {
		// Entries above the stable checkpoint are kept even when executed:
		// their prepared proofs belong in this replica's view changes.
		if er.Seq <= c.stableSeq {
			continue
		}
		if er.Seq > c.executed && !er.inEpoch(c.m.Epoch) {
			continue // voted before a reconfiguration this replica has since executed
		}
		e := c.entry(er.Seq)
		if er.PrePrepare != nil {
			e.view, e.epoch, e.digest, e.pp = er.PrePrepare.View, er.PrePrepare.Epoch, er.PrePrepare.Digest, er.PrePrepare
			e.known = er.PrePrepare.Block
		}
		e.myPrep, e.myCommit, e.prepared, e.prepBlk = er.Prepare, er.Commit, er.Prepared, er.PreparedBlock
		if e.myPrep != nil {
			e.prepares[c.id] = e.myPrep
		}
		if e.myCommit != nil {
			e.commits[c.id] = e.myCommit
		}
		if e.pp != nil && e.pp.From == c.id && er.Seq > c.nextSeq {
			c.nextSeq = er.Seq
		}
	}
	if c.nextSeq < c.executed {
		c.nextSeq = c.executed
	}
	for _, s := range slices.Sorted(maps.Keys(c.log)) {
		e := c.log[s]
		switch {
		case e.pp == nil || s <= c.executed:
		case e.pp.Block == nil:
			c.want(s, e.digest, nil)
		default:
			// In flight: its requests are not proposed again, and a
			// reconfiguration holds back what follows it.
			c.noteBlock(s, e.pp.Block)
		}
	}
	if c.inVC {
		c.vcDeadline = c.ticks + c.timeout()
	}
	if c.stableSeq > c.executed {
		c.requestFetch(c.executed+1, c.stableSeq, nil)
	}
}

// Status is a snapshot for monitoring.
type Status struct {
	ID, View, Primary, Executed, StableSeq uint64
	InViewChange                           bool
	Pending                                int
	Membership                             *Membership
}

// Status returns a snapshot of the replica's state, with a copy of the
// membership in force.
func (c *Core) Status() Status {
	st := c.Progress()
	st.Membership = c.m.Clone()
	return st
}

// Progress is Status without the membership (nil), cheap enough to call
// after every Ready; Epoch tells when the membership changed.
func (c *Core) Progress() Status {
	return Status{
		ID: c.id, View: c.view, Primary: c.m.Primary(c.view), Executed: c.executed,
		StableSeq: c.stableSeq, InViewChange: c.inVC, Pending: len(c.pending),
	}
}

// Epoch returns the epoch of the membership in force.
func (c *Core) Epoch() uint64 { return c.m.Epoch }

// IsPrimary reports whether this replica is the primary of its view.
func (c *Core) IsPrimary() bool { return !c.inVC && c.m.Primary(c.view) == c.id }

func (c *Core) sortedWants() []uint64 {
	seqs := make([]uint64, 0, len(c.wants))
	for s := range c.wants {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	return seqs
}

func (c *Core) entry(seq uint64) *entry {
	e, ok := c.log[seq]
	if !ok {
		e = &entry{seq: seq, prepares: make(map[uint64]*Message), commits: make(map[uint64]*Message)}
		c.log[seq] = e
	}
	return e
}

func (c *Core) low() uint64  { return c.stableSeq }
func (c *Core) high() uint64 { return c.stableSeq + c.cfg.WindowSize }

func (c *Core) timeout() int64 {
	return int64(c.cfg.RequestTimeout) << min(c.timeoutShift, c.cfg.MaxTimeoutShift)
}

// sign signs m as this replica, in the epoch in force.
func (c *Core) sign(m *Message) {
	m.From = c.id
	m.Epoch = c.m.Epoch
	if c.cfg.VoteSigner != nil && isVote(m.Type) {
		m.Sig = c.cfg.VoteSigner.Sign(m.signingBytes(c.cfg.ChainID))
		return
	}
	m.Sig = c.cfg.Signer.Sign(m.signingBytes(c.cfg.ChainID))
}

// commitSigningBytes returns the bytes this replica's COMMIT for pp will
// be signed over if pp prepares (Ready.Presign).
func (c *Core) commitSigningBytes(pp *Message) []byte {
	m := Message{Type: MsgCommit, From: c.id, Epoch: pp.Epoch, View: pp.View, Seq: pp.Seq, Digest: pp.Digest}
	return m.signingBytes(c.cfg.ChainID)
}

// maxHistory is how many earlier memberships the core keeps to check
// checkpoint proofs signed under them.
const maxHistory = 4

func (c *Core) pushHistory(m *Membership, seq uint64) {
	c.history = append(c.history, m)
	c.configSeqs = append(c.configSeqs, seq)
	if len(c.history) > maxHistory {
		c.history, c.configSeqs = c.history[1:], c.configSeqs[1:]
	}
}

// membershipOf returns the membership of epoch e: the one in force or one
// this replica knows from history.
func (c *Core) membershipOf(e uint64) (*Membership, bool) {
	if e == c.m.Epoch {
		return c.m, true
	}
	for _, m := range c.history {
		if m.Epoch == e {
			return m, true
		}
	}
	return nil, false
}

// isVote reports whether messages of type t are signed by the vote scheme
// when there is one (Config.VoteSigner).
func isVote(t MsgType) bool {
	return t == MsgPrePrepare || t == MsgPrepare || t == MsgViewChange || t == MsgNewView
}

func (c *Core) send(m Message, to uint64) {
	m.To = to
	c.msgs = append(c.msgs, m)
}

func (c *Core) event(kind string, view, seq, peer uint64, note string) {
	c.events = append(c.events, Event{Kind: kind, View: view, Seq: seq, Peer: peer, Note: note})
}

func reqHash(r []byte) Hash { return sha256.Sum256(r) }

// Propose submits a client request. A backup forwards it to the primary and
// watches it: if it is not executed within the timeout, the replica starts a
// view change. Duplicates of a pending request are ignored.
func (c *Core) Propose(req []byte) error {
	if len(req) == 0 || len(req) > c.cfg.MaxRequestBytes {
		return fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, len(req), c.cfg.MaxRequestBytes)
	}
	if len(c.pending) >= c.cfg.MaxPending || c.pendingBytes+len(req) > c.cfg.MaxPendingBytes {
		return ErrBusy
	}
	if !c.addPending(req) {
		return nil
	}
	if c.m.Primary(c.view) != c.id {
		c.forward = append(c.forward, req)
	}
	return nil
}

// addPending records a request; it reports false for a duplicate.
func (c *Core) addPending(req []byte) bool {
	h := reqHash(req)
	if _, ok := c.pending[h]; ok {
		return false
	}
	if len(c.pending) >= c.cfg.MaxPending || c.pendingBytes+len(req) > c.cfg.MaxPendingBytes {
		return false
	}
	c.pending[h] = &pendingReq{data: req, tick: c.ticks, atBlock: c.blocks, ahead: len(c.pending)}
	c.pendingBytes += len(req)
	c.queue = append(c.queue, h)
	if c.waitSince < 0 {
		c.waitSince = c.ticks
	}
	return true
}

// dropPending forgets a pending request.
func (c *Core) dropPending(h Hash) {
	if r, ok := c.pending[h]; ok {
		c.pendingBytes -= len(r.data)
		delete(c.pending, h)
	}
}

// starved reports whether the oldest request this replica waits for has
// been passed over by more blocks than a fair primary needs to reach it
// (the blocks for the requests ahead of it, plus a pipeline's worth). Then
// progress on other requests no longer restarts the timer: a primary that
// commits blocks but leaves one request out is replaced like one that
// commits nothing.
func (c *Core) starved() bool {
	for len(c.queue) > 0 {
		if r, ok := c.pending[c.queue[0]]; ok {
			return c.blocks-r.atBlock > uint64(r.ahead/c.cfg.MaxBatch+2*c.cfg.MaxInFlight+8)
		}
		c.queue = c.queue[1:]
	}
	return false
}

// ProposeConfig asks the primary to commit a reconfiguration: a block that
// carries the new membership and the transactions that authorise it. Every
// replica's Validator must check that authorisation. The new membership is
// in force from the sequence number after the block's.
func (c *Core) ProposeConfig(m *Membership, txs [][]byte) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if m.Epoch <= c.m.Epoch {
		return fmt.Errorf("%w: epoch %d is not above the current %d", ErrBadMembership, m.Epoch, c.m.Epoch)
	}
	c.configQ = append(c.configQ, &Block{Config: m.Clone(), Txs: txs})
	for _, tx := range txs {
		c.addPending(tx)
	}
	return nil
}

// RequestPrimary starts a view change to the first view after fromView whose
// primary is id (an operator's leader swap, committed on chain, so every
// replica asks for the same view). It does nothing if that view is not
// ahead of the current one or id is not a member.
func (c *Core) RequestPrimary(id, fromView uint64) {
	if !c.m.Has(id) {
		return
	}
	v := fromView + 1
	for c.m.Primary(v) != id {
		v++
	}
	if v > c.view {
		c.startViewChange(v)
	}
}

// Tick advances the logical clock by one tick. now is the wall clock in
// Unix milliseconds, used only to stamp blocks this replica proposes.
func (c *Core) Tick(now int64) {
	c.ticks++
	c.now = now
	clear(c.answered)
	for _, s := range c.sortedWants() {
		if w := c.wants[s]; c.ticks-w.asked >= max(1, int64(c.cfg.RequestTimeout)/4) {
			c.askBlock(s, w)
		}
	}
	if c.inVC {
		switch {
		case c.vcDeadline >= 0 && c.ticks >= c.vcDeadline:
			// A quorum wanted this view but no valid NEW-VIEW came in time.
			c.timeoutShift++
			c.startViewChange(c.view + 1)
		case c.ticks >= c.vcResend:
			// No quorum yet: our VIEW-CHANGE may have been lost; say it again.
			c.vcResend = c.ticks + c.timeout()
			if m, ok := c.viewChanges[c.view][c.id]; ok {
				c.send(*m, 0)
			}
			// So may a checkpoint that never became stable, such as the
			// one of a reconfiguration that a new member needs to hear of
			// before it can take part (see laterEpoch).
			if c.lastCP != nil && c.lastCP.Seq > c.stableSeq {
				c.send(*c.lastCP, 0)
			}
		}
		return
	}
	if c.waitSince >= 0 && c.ticks-c.waitSince >= c.timeout() {
		c.event("timeout", c.view, c.executed+1, c.m.Primary(c.view), "requests not executed in time")
		c.timeoutShift++
		c.startViewChange(c.view + 1)
	}
}

// Ready returns what the application must do now. It also lets the primary
// close a batch, so requests that arrive together share a block.
func (c *Core) Ready() Ready {
	c.flush()
	rd := Ready{Messages: c.msgs, Committed: c.committed, Fetch: c.fetch, Events: c.events, PruneBelow: c.pruneBelow, Validate: c.validate}
	if c.hsDirty {
		muted := c.muted && c.view <= c.muteView
		rd.HardState = &HardState{View: c.view, InViewChange: c.inVC, StableSeq: c.stableSeq, StableDigest: c.stableDig, StableProof: c.stableMsg,
			Muted: muted, MuteView: c.muteView}
		// Early pre-prepares are safe only in a view already on disk
		// (a restored replica is muted in that view); a NEW-VIEW also
		// goes before the pre-prepares that follow it.
		rd.Messages = append(rd.Messages, c.proposals...)
	} else {
		rd.Proposals = c.proposals
	}
	if len(c.dirty) > 0 {
		seqs := make([]uint64, 0, len(c.dirty))
		for s := range c.dirty {
			seqs = append(seqs, s)
		}
		slices.Sort(seqs)
		for _, s := range seqs {
			if e, ok := c.log[s]; ok {
				rd.Entries = append(rd.Entries, EntryRecord{Seq: s, PrePrepare: e.pp, Prepare: e.myPrep, Commit: e.myCommit, Prepared: e.prepared, PreparedBlock: e.prepBlk})
				if e.pp != nil && e.myCommit == nil && e.prepared == nil {
					rd.Presign = append(rd.Presign, c.commitSigningBytes(e.pp))
				}
			}
		}
	}
	return rd
}

// HasReady reports whether Ready would return anything.
func (c *Core) HasReady() bool {
	c.flush()
	return c.hsDirty || len(c.dirty) > 0 || len(c.msgs) > 0 || len(c.proposals) > 0 || len(c.committed) > 0 ||
		c.fetch != nil || len(c.events) > 0 || c.pruneBelow > 0 || len(c.validate) > 0
}

// Advance tells the core that the last Ready was handled.
func (c *Core) Advance() {
	c.hsDirty = false
	clear(c.dirty)
	c.msgs, c.proposals, c.committed, c.events, c.validate = nil, nil, nil, nil, nil
	c.fetch = nil
	c.pruneBelow = 0
}

// flush forwards queued requests and lets the primary propose.
func (c *Core) flush() {
	c.flushForward()
	for c.IsPrimary() && (!c.muted || c.view > c.muteView) && c.propose() {
	}
}

// propose assigns the next sequence number to a batch; it reports whether it did.
func (c *Core) propose() bool {
	seq := c.nextSeq + 1
	if seq <= c.executed {
		seq = c.executed + 1
	}
	if seq > c.high() || seq-c.executed-1 >= uint64(c.cfg.MaxInFlight) || c.barrier != 0 {
		return false
	}
	// A reconfiguration block goes out only on an empty pipeline: every
	// replica then validates it against exactly the chain it follows, so
	// the decision to switch membership cannot depend on blocks in flight.
	if len(c.configQ) > 0 && seq != c.executed+1 {
		return false
	}
	// Adaptive batching: an idle pipeline proposes at once (low latency);
	// while blocks are in flight, only a full batch goes out early, so
	// requests that arrive meanwhile share the next block and its
	// signatures.
	if seq-c.executed-1 > 0 && len(c.configQ) == 0 && len(c.queue) < c.cfg.MaxBatch {
		return false
	}
	var b *Block
	if len(c.configQ) > 0 {
		b = c.configQ[0]
		if b.Config.Epoch <= c.m.Epoch {
			c.configQ = c.configQ[1:]
			return true // superseded; try the next one
		}
		// The primary judges its reconfiguration as the backups will,
		// against the chain before it: one they would reject is dropped
		// here (with its requests) instead of costing a view change.
		if c.cfg.ValidateBlocks {
			judged, ok := c.judgeOwnConfig(seq, b)
			if !ok {
				return false // asked, or waiting for the verdict
			}
			if judged == nil {
				c.configQ = c.configQ[1:]
				for _, tx := range b.Txs {
					c.dropPending(reqHash(tx))
				}
				if len(c.pending) == 0 {
					// Nothing left to wait for: a timer left running would
					// take this primary alone into a view change, since the
					// backups never held the dropped requests.
					c.waitSince = -1
				}
				c.event("rejected-block", c.view, seq, c.id, "the application rejected this replica's reconfiguration")
				return true
			}
			b = judged
		}
		c.configQ = c.configQ[1:]
		for _, tx := range b.Txs {
			c.proposed[reqHash(tx)] = seq
		}
	} else {
		b = c.batch(seq)
		if b == nil {
			return false
		}
	}
	if b.Proposer == 0 { // a judged reconfiguration is proposed as it was judged
		b.View, b.Proposer, b.Time = c.view, c.id, max(c.now, c.lastTime, c.execTime)
	}
	c.lastTime = b.Time
	c.nextSeq = seq
	pp := Message{Type: MsgPrePrepare, View: c.view, Seq: seq, Digest: b.Digest(seq), Block: b}
	c.sign(&pp)
	e := c.entry(seq)
	c.acceptPrePrepare(e, &pp, nil)
	c.proposals = append(c.proposals, pp)
	return true
}

// ownConfig is the primary's reconfiguration block (configQ[0]) as it was
// sent to the application to judge, at seq in view, and the verdict.
type ownConfig struct {
	src     *Block // configQ[0] when asked
	block   *Block // the block judged: src with view, proposer and time set
	seq     uint64
	view    uint64
	digest  Hash
	judged  bool
	verdict Verdict
	at      int64 // tick of the verdict
}

// judgeOwnConfig asks the application to judge the primary's
// reconfiguration block b at seq, or reads its verdict: ok with the block
// to propose (as judged), ok with nil if rejected, not ok while the
// verdict is awaited. An abstention is asked again after a tick.
func (c *Core) judgeOwnConfig(seq uint64, b *Block) (judged *Block, ok bool) {
	o := c.ownConfig
	if o != nil && o.src == b && o.seq == seq && o.view == c.view {
		switch {
		case !o.judged:
			return nil, false
		case o.verdict == Accept:
			c.ownConfig = nil
			return o.block, true
		case o.verdict == Reject:
			c.ownConfig = nil
			return nil, true
		case o.at == c.ticks:
			return nil, false // abstained: ask again at the next tick
		}
	}
	probe := *b
	probe.View, probe.Proposer, probe.Time = c.view, c.id, max(c.now, c.lastTime, c.execTime)
	d := probe.Digest(seq)
	c.ownConfig = &ownConfig{src: b, block: &probe, seq: seq, view: c.view, digest: d}
	c.validate = append(c.validate, Validation{Seq: seq, Digest: d, Block: &probe})
	return nil, false
}

// Validated gives the application's verdict on the block it was asked to
// judge (Ready.Validate) at seq with digest d. Accept votes for it (or, for
// the primary's own reconfiguration, proposes it); Reject starts a view
// change (the primary proposed what every correct replica rejects) or,
// for its own reconfiguration, drops it; Abstain casts no vote. A verdict
// on a block the core no longer waits for is ignored.
func (c *Core) Validated(seq uint64, d Hash, v Verdict) {
	if o := c.ownConfig; o != nil && !o.judged && o.seq == seq && o.digest == d {
		o.judged, o.verdict, o.at = true, v, c.ticks
		return
	}
	pp, ok := c.judging[seq]
	if !ok || pp.Digest != d {
		return
	}
	delete(c.judging, seq)
	// The state may have moved on while the application judged.
	if pp.View != c.view || c.inVC || pp.Epoch != c.m.Epoch || seq <= c.executed || seq <= c.low() {
		return
	}
	if c.barrier != 0 && seq > c.barrier {
		c.stashMsg(pp) // a reconfiguration accepted meanwhile comes first
		return
	}
	e := c.entry(seq)
	if e.pp != nil && e.view == pp.View {
		return
	}
	switch v {
	case Reject:
		c.event("rejected-block", pp.View, seq, pp.From, "the application rejected the block")
		c.startViewChange(c.view + 1)
	case Abstain:
		c.event("abstained", pp.View, seq, pp.From, "the application could not judge the block")
	default:
		c.acceptPrePrepare(e, pp, nil)
	}
}

// batch takes requests from the queue, oldest first. With BatchDelay set,
// a partial block waits until its oldest request is that many ticks old.
func (c *Core) batch(seq uint64) *Block {
	for len(c.queue) > 0 && !c.proposable(c.queue[0]) {
		c.queue = c.queue[1:]
	}
	if len(c.queue) == 0 {
		return nil
	}
	if c.cfg.BatchDelay > 0 && len(c.queue) < c.cfg.MaxBatch && c.ticks-c.pending[c.queue[0]].tick < int64(c.cfg.BatchDelay) {
		return nil
	}
	var txs [][]byte
	size, i := 0, 0
	for ; i < len(c.queue) && len(txs) < c.cfg.MaxBatch; i++ {
		h := c.queue[i]
		if !c.proposable(h) {
			continue
		}
		r := c.pending[h]
		if size+len(r.data) > c.cfg.MaxBatchBytes && len(txs) > 0 {
			break
		}
		txs = append(txs, r.data)
		size += len(r.data)
		c.proposed[h] = seq
	}
	c.queue = c.queue[i:]
	return &Block{Txs: txs}
}

func (c *Core) proposable(h Hash) bool {
	if _, ok := c.pending[h]; !ok {
		return false
	}
	_, done := c.proposed[h]
	return !done
}

// requeue rebuilds the queue from the pending requests not yet proposed, in
// arrival order (ties broken by hash, so every replica orders alike).
func (c *Core) requeue() {
	c.queue = c.queue[:0]
	for h := range c.pending {
		if _, done := c.proposed[h]; !done {
			c.queue = append(c.queue, h)
		}
	}
	slices.SortFunc(c.queue, func(a, b Hash) int {
		ta, tb := c.pending[a].tick, c.pending[b].tick
		if ta != tb {
			if ta < tb {
				return -1
			}
			return 1
		}
		return slices.Compare(a[:], b[:])
	})
}
