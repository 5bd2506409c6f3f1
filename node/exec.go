package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/careerchain/careerchain/node/ledger"
	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
)

// Execution applies committed blocks to the ledger, deterministically: the
// result of every transaction depends only on the chain before it. The
// stateless checks ran before the replicas voted; execution re-checks what
// depends on state (replays, record ownership, payment ids, the chain
// configuration in force) and records a result for every transaction, so a
// rejected transaction stays visible with its reason.

// effects are what a block's execution asks of the node loop after the
// ledger transaction commits.
type effects struct {
	state      *chainState      // new chain configuration, if it changed
	membership *pbft.Membership // new membership in force, if it changed
	leader     *leaderSwap      // operator's leader swap
	done       []committedTx    // every transaction, for waiting submitters
}

type leaderSwap struct{ id, view uint64 }

type committedTx struct {
	id     [32]byte
	height uint64
	index  uint32
	result ledger.Result
}

// applyBlock executes one committed block inside the ledger transaction t
// and appends it. st is the configuration in force before the block.
func applyBlock(t *ledger.Tx, c *pbft.Committed, st *chainState, maxTx int, commitTime int64, fx *effects) error {
	return applyBlockKnown(t, c, st, maxTx, commitTime, fx, nil)
}

// applyBlockKnown is applyBlock with known, which returns a transaction
// already decoded and checked under a configuration version (or nil), so
// that execution need not decode it again.
func applyBlockKnown(t *ledger.Tx, c *pbft.Committed, st *chainState, maxTx int, commitTime int64, fx *effects, known func(id [32]byte, version uint64) *chain.Tx) error {
	if fx.state != nil {
		st = fx.state // an earlier block of the same Ready changed it
	}
	x := executor{t: t, seq: c.Seq, block: c.Block, st: st, maxTx: maxTx, known: known}
	results := make([]ledger.Result, len(c.Block.Txs))
	for i, raw := range c.Block.Txs {
		id := sha256.Sum256(raw)
		res, err := x.apply(uint32(i), id, raw)
		if err != nil {
			return err
		}
		results[i] = res
		if err := t.PutTx(id, ledger.Loc{Height: c.Seq, Index: uint32(i), Code: res.Code}); err != nil {
			return err
		}
		fx.done = append(fx.done, committedTx{id: id, height: c.Seq, index: uint32(i), result: res})
	}
	if x.newState != nil {
		b, err := json.Marshal(x.newState.cfg)
		if err != nil {
			return err
		}
		if err := t.PutChainConfig(b); err != nil {
			return err
		}
		fx.state = x.newState
	}
	// The membership changes exactly when the core says this block put one
	// in force (its decision, from the block alone): the ledger, the
	// transport's peers and the MSP then follow the core, never a
	// re-derivation of their own. The validator refused to vote for a
	// reconfiguration block whose transaction this executor would reject
	// (checkConfigBlock), so correct replicas never commit one.
	if c.Membership != nil {
		if err := t.PutMembership(c.Seq+1, c.Membership); err != nil {
			return err
		}
		fx.membership = c.Membership.Clone()
	}
	if x.leader != nil {
		fx.leader = x.leader
	}
	return t.AppendBlock(&ledger.BlockRecord{Height: c.Seq, Block: c.Block, Cert: &c.Cert, StateDigest: c.StateDigest, CommitTime: commitTime, Results: results})
}

type executor struct {
	t     *ledger.Tx
	seq   uint64
	block *pbft.Block
	st    *chainState
	maxTx int
	known func(id [32]byte, version uint64) *chain.Tx

	newState *chainState
	leader   *leaderSwap
}

func reject(format string, args ...any) ledger.Result {
	return ledger.Result{Code: ledger.Rejected, Reason: fmt.Sprintf(format, args...)}
}

func hex32(s string) ([32]byte, bool) {
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, false
	}
	copy(out[:], b)
	return out, true
}

// replayDigest is the digest of what a transaction's author signed: a
// second transaction with the same signed content (say, another PoW stamp)
// is a replay even though its TxID differs.
func replayDigest(tx *chain.Tx) ([32]byte, error) {
	var b []byte
	var err error
	switch {
	case tx.Career != nil:
		b, err = chain.StatementSigningBytes(tx.Career.Statement)
	case tx.Revoke != nil:
		b, err = chain.RevokeSigningBytes(*tx.Revoke)
	case tx.Config != nil:
		b, err = chain.ConfigSigningBytes(*tx.Config)
	default:
		err = fmt.Errorf("no body")
	}
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// apply executes one transaction. An error is a ledger failure (the whole
// Ready is rolled back); a rejection is a Result.
func (x *executor) apply(i uint32, id [32]byte, raw []byte) (ledger.Result, error) {
	if loc, ok := x.t.TxLoc(id); ok {
		return reject("replay: transaction %x is already on chain at height %d", id[:8], loc.Height), nil
	}
	st := x.st
	if x.newState != nil {
		st = x.newState
	}
	var tx *chain.Tx
	if x.known != nil {
		tx = x.known(id, st.version)
	}
	if tx == nil {
		var err error
		if tx, err = chain.DecodeTx(raw, x.maxTx); err != nil {
			return reject("%v", err), nil
		}
	}
	if err := checkAgainstConfig(tx, st); err != nil {
		return reject("%v", err), nil
	}
	digest, err := replayDigest(tx)
	if err != nil {
		return reject("malformed: %v", err), nil
	}
	if prev, ok := x.t.Statement(digest); ok {
		return reject("replay: the same signed statement is already on chain in transaction %x", prev[:8]), nil
	}
	var res ledger.Result
	switch tx.Type {
	case chain.TypeRegister, chain.TypeAmend:
		res, err = x.career(i, id, tx)
	case chain.TypeRevoke:
		res, err = x.revoke(i, id, tx.Revoke)
	case chain.TypeConfig:
		res, err = x.config(i, id, tx.Config)
	default:
		res = reject("malformed: unknown type %q", tx.Type)
	}
	if err != nil || res.Code != ledger.Accepted {
		return res, err
	}
	return res, x.t.PutStatement(digest, id)
}

// checkAgainstConfig re-checks the rules the chain configuration decides
// (keys allowed, PoW difficulty), cheaply: the signatures were verified
// before the vote and do not depend on state; the configuration might have
// changed since.
func checkAgainstConfig(tx *chain.Tx, st *chainState) error {
	p := &st.params
	switch {
	case tx.Career != nil:
		if !p.Attesters[tx.Career.Attestation.Attester] {
			return fmt.Errorf("%w: %s", chain.ErrUnknownAttester, tx.Career.Attestation.Attester)
		}
		if !p.PaymentIssuers[tx.Career.Receipt.Issuer] {
			return fmt.Errorf("%w: %s", chain.ErrUnknownIssuer, tx.Career.Receipt.Issuer)
		}
	case tx.Config != nil:
		if !p.ConfigSigners[tx.Config.Signer] {
			return fmt.Errorf("%w: %s", chain.ErrUnknownSigner, tx.Config.Signer)
		}
	}
	return chain.CheckPoW(tx, p.PoWDifficulty)
}

func (x *executor) career(i uint32, id [32]byte, tx *chain.Tx) (ledger.Result, error) {
	c := tx.Career
	s := &c.Statement
	if prev, used := x.t.Payment(c.Receipt.Issuer, c.Receipt.PaymentID); used {
		return reject("payment id %q was already used by transaction %x", c.Receipt.PaymentID, prev[:8]), nil
	}
	if tx.Type == chain.TypeAmend {
		target, ok := hex32(s.Supersedes)
		if !ok {
			return reject("malformed: statement.supersedes"), nil
		}
		old, err := x.t.Record(target)
		if err != nil {
			return reject("supersedes: record %s not found", s.Supersedes), nil
		}
		switch {
		case old.Holder != s.Holder:
			return reject("supersedes: record %s belongs to another holder", s.Supersedes), nil
		case old.Status == ledger.Superseded:
			return reject("supersedes: record %s was already superseded by %x; amend the latest version", s.Supersedes, old.SupersededBy[:8]), nil
		case old.Status == ledger.Revoked:
			return reject("supersedes: record %s is revoked", s.Supersedes), nil
		}
		old.Status, old.SupersededBy = ledger.Superseded, id
		if err := x.t.PutRecord(target, old); err != nil {
			return ledger.Result{}, err
		}
	}
	rec := &ledger.Record{Status: ledger.Active, Holder: s.Holder, HolderKey: s.HolderKey, Attester: c.Attestation.Attester}
	if err := x.t.PutRecord(id, rec); err != nil {
		return ledger.Result{}, err
	}
	if err := x.t.PutPayment(c.Receipt.Issuer, c.Receipt.PaymentID, id); err != nil {
		return ledger.Result{}, err
	}
	return ledger.Result{}, x.t.AddAddress(s.Holder, id, x.seq, i, kindOf(tx.Type))
}

func (x *executor) revoke(i uint32, id [32]byte, r *chain.Revoke) (ledger.Result, error) {
	target, ok := hex32(r.Target)
	if !ok {
		return reject("malformed: revoke.target"), nil
	}
	rec, err := x.t.Record(target)
	if err != nil {
		return reject("revoke: record %s not found", r.Target), nil
	}
	switch {
	case r.By != rec.HolderKey && r.By != rec.Attester:
		return reject("revoke: only the holder or the attester of record %s may revoke it", r.Target), nil
	case r.By != rec.HolderKey && !x.current().params.Attesters[r.By]:
		// A retired attester key (perhaps a leaked one) keeps no power
		// over the records it attested; the holder and the keys in force
		// decide from then on.
		return reject("revoke: attester key %s of record %s was removed from the attester set", r.By, r.Target), nil
	case rec.Status == ledger.Revoked:
		return reject("revoke: record %s is already revoked", r.Target), nil
	case rec.Status == ledger.Superseded:
		return reject("revoke: record %s was superseded by %x; revoke the latest version", r.Target, rec.SupersededBy[:8]), nil
	}
	rec.Status, rec.RevokedBy, rec.Reason = ledger.Revoked, id, r.Reason
	if err := x.t.PutRecord(target, rec); err != nil {
		return ledger.Result{}, err
	}
	addrs := append(chain.Subjects(&chain.Tx{Type: chain.TypeRevoke, Revoke: r}), rec.Holder)
	slices.Sort(addrs)
	for _, a := range slices.Compact(addrs) {
		if err := x.t.AddAddress(a, id, x.seq, i, kindOf(chain.TypeRevoke)); err != nil {
			return ledger.Result{}, err
		}
	}
	return ledger.Result{}, nil
}

// current returns the configuration in force for the next transaction:
// a config change earlier in the block applies to the ones after it.
func (x *executor) current() *chainState {
	if x.newState != nil {
		return x.newState
	}
	return x.st
}

func (x *executor) config(i uint32, id [32]byte, c *chain.Config) (ledger.Result, error) {
	cur := x.current()
	switch {
	case len(c.Membership) > 0:
		if err := membershipChangeError(x.t, x.seq, x.block, c); err != nil {
			return reject("%v", err), nil
		}
	case c.Leader != nil:
		m, err := x.t.MembershipAt(x.seq)
		if err != nil {
			return ledger.Result{}, err
		}
		if !m.Has(*c.Leader) {
			return reject("config: leader %d is not a member", *c.Leader), nil
		}
		// The block's own view (covered by its digest), the same on every
		// replica: the certificate's view is this replica's, and replicas
		// that committed the block in different views hold different ones.
		x.leader = &leaderSwap{id: *c.Leader, view: x.block.View}
	case len(c.Plugins) > 0:
		ns := cur.with(func(cc *genesis.ChainConfig) { cc.Plugins = slices.Clone(c.Plugins) })
		x.newState = ns
	case c.PoWDifficulty != nil:
		d := *c.PoWDifficulty
		x.newState = cur.with(func(cc *genesis.ChainConfig) { cc.PoWDifficulty = d })
	case c.Keys != nil:
		ns, err := cur.withKeys(c.Keys)
		if err != nil {
			return reject("config: %v", err), nil
		}
		x.newState = ns
	default:
		return reject("config: nothing to change"), nil
	}
	for _, a := range chain.Subjects(&chain.Tx{Type: chain.TypeConfig, Config: c}) {
		if err := x.t.AddAddress(a, id, x.seq, i, kindOf(chain.TypeConfig)); err != nil {
			return ledger.Result{}, err
		}
	}
	return ledger.Result{}, nil
}

// membershipChangeError checks a membership change against the block that
// carries it and the chain before it (t at height seq-1): the block must be
// the reconfiguration block it authorises, with exactly its membership, of
// the next epoch. Its message is the rejected transaction's reason.
func membershipChangeError(t *ledger.Tx, seq uint64, b *pbft.Block, c *chain.Config) error {
	if b.Config == nil || len(b.Txs) != 1 || !bytes.Equal(c.Membership, pbft.EncodeMembership(b.Config)) {
		return errors.New("config: a membership change must travel alone in the reconfiguration block it authorises")
	}
	cur, err := t.MembershipAt(seq)
	if err != nil {
		return err
	}
	if b.Config.Epoch != cur.Epoch+1 {
		return fmt.Errorf("config: membership epoch %d, the next epoch is %d", b.Config.Epoch, cur.Epoch+1)
	}
	return nil
}

// checkConfigBlock makes of a reconfiguration block's transaction every
// check execution would make (apply, then config), against the chain
// before the block: t and st at height seq-1. The validator runs it, so a
// correct replica never votes for a reconfiguration that execution would
// refuse while the core switches membership.
func checkConfigBlock(t *ledger.Tx, seq uint64, b *pbft.Block, id [32]byte, tx *chain.Tx, st *chainState) error {
	if loc, ok := t.TxLoc(id); ok {
		return fmt.Errorf("%w: replay: transaction %x is already on chain at height %d", ErrRejected, id[:8], loc.Height)
	}
	if !isMembershipTx(tx) {
		return fmt.Errorf("%w: a reconfiguration block carries a membership change", ErrRejected)
	}
	if err := checkAgainstConfig(tx, st); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	digest, err := replayDigest(tx)
	if err != nil {
		return fmt.Errorf("%w: malformed: %w", ErrRejected, err)
	}
	if prev, ok := t.Statement(digest); ok {
		return fmt.Errorf("%w: replay: the same signed statement is already on chain in transaction %x", ErrRejected, prev[:8])
	}
	if err := membershipChangeError(t, seq, b, tx.Config); err != nil {
		return fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return nil
}

// with returns a new state with the configuration changed by fn.
func (s *chainState) with(fn func(*genesis.ChainConfig)) *chainState {
	cfg := s.cfg
	cfg.Attesters = slices.Clone(cfg.Attesters)
	cfg.PaymentIssuers = slices.Clone(cfg.PaymentIssuers)
	cfg.ConfigSigners = slices.Clone(cfg.ConfigSigners)
	cfg.CredentialIssuers = slices.Clone(cfg.CredentialIssuers)
	cfg.Plugins = slices.Clone(cfg.Plugins)
	fn(&cfg)
	return newChainState(s.chainID, cfg, s.params.MaxTxBytes, s.version+1)
}

// withKeys returns a new state with the key-set change k applied
// (chain.ApplyKeyChange), or an error naming why it does not apply.
func (s *chainState) withKeys(k *chain.KeyChange) (*chainState, error) {
	var keys []string
	switch k.Set {
	case chain.KeySetAttesters:
		keys = s.cfg.Attesters
	case chain.KeySetPaymentIssuers:
		keys = s.cfg.PaymentIssuers
	case chain.KeySetCredentialIssuers:
		keys = s.cfg.CredentialIssuers
	default:
		return nil, fmt.Errorf("%w: unknown key set %q", chain.ErrMalformed, k.Set)
	}
	next, err := chain.ApplyKeyChange(keys, k)
	if err != nil {
		return nil, err
	}
	return s.with(func(cc *genesis.ChainConfig) {
		switch k.Set {
		case chain.KeySetAttesters:
			cc.Attesters = next
		case chain.KeySetPaymentIssuers:
			cc.PaymentIssuers = next
		default: // chain.KeySetCredentialIssuers, as the switch above checked
			cc.CredentialIssuers = next
		}
	}), nil
}

func newChainState(chainID string, cfg genesis.ChainConfig, maxTx int, version uint64) *chainState {
	return &chainState{chainID: chainID, cfg: cfg, params: cfg.Params(chainID, maxTx), version: version}
}

// Kinds tag address-index entries with the transaction type.
var kinds = []string{"", chain.TypeRegister, chain.TypeAmend, chain.TypeRevoke, chain.TypeConfig}

func kindOf(typ string) byte {
	for i, k := range kinds {
		if k == typ && i > 0 {
			return byte(i)
		}
	}
	return 0
}

func kindName(k byte) string {
	if int(k) < len(kinds) && k > 0 {
		return kinds[k]
	}
	return "unknown"
}
