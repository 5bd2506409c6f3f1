package node

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/careerchain/careerchain/pbft"
	"github.com/careerchain/careerchain/sdk/chain"
)

// Decision is a plugin's judgement of one transaction.
type Decision uint8

// Decisions. Abstain is for local trouble (a wall-clock limit, a module
// that failed to load): the replica then does not vote for the block.
const (
	Accept Decision = iota
	Reject
	Abstain
)

func (d Decision) String() string {
	switch d {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Abstain:
		return "abstain"
	}
	return fmt.Sprintf("decision(%d)", uint8(d))
}

// Verdict is a plugin's decision with the reason shown to the submitter.
type Verdict struct {
	Decision Decision
	Reason   string
}

// BlockContext is what a plugin may know about the block a transaction is
// in (for a submission: the next block). It holds chain data only, so a
// deterministic plugin reaches the same verdict on every replica.
type BlockContext struct {
	ChainID  string
	Height   uint64
	View     uint64
	Proposer uint64
	Time     int64 // proposer's clock, Unix ms (0 for a submission)
	Plugins  []chain.PluginRef
}

// Plugins checks transactions beyond the stateless rules: the Wasm
// validator and payment plugins pinned by the chain config. CheckTx must be
// safe for concurrent use and deterministic for Accept and Reject; when ctx
// ends it returns Abstain.
type Plugins interface {
	CheckTx(ctx context.Context, tx *chain.Tx, bctx BlockContext) Verdict
}

// NopPlugins accepts every transaction.
type NopPlugins struct{}

// CheckTx accepts.
func (NopPlugins) CheckTx(context.Context, *chain.Tx, BlockContext) Verdict { return Verdict{} }

// chainState is an immutable snapshot of the chain configuration; a config
// change replaces it. Version counts replacements, for the check cache.
type chainState struct {
	chainID string
	cfg     ChainConfig
	params  chain.Params
	version uint64
}

// checkResult is the verdict on one raw transaction.
type checkResult struct {
	tx      *chain.Tx
	id      [32]byte
	verdict Verdict
	err     error // set with Reject: wraps a chain sentinel
}

// checkTx decodes a raw transaction and runs the stateless checks and the
// plugins: the same function serves the API, the edge filter for requests
// forwarded by peers, and block validation.
func checkTx(ctx context.Context, raw []byte, st *chainState, plugins Plugins, bctx BlockContext) checkResult {
	r := checkResult{id: sha256.Sum256(raw)}
	tx, err := chain.DecodeTx(raw, st.params.MaxTxBytes)
	if err != nil {
		r.verdict, r.err = Verdict{Decision: Reject, Reason: err.Error()}, err
		return r
	}
	r.tx = tx
	if err := tx.CheckStateless(st.params); err != nil {
		r.verdict, r.err = Verdict{Decision: Reject, Reason: err.Error()}, err
		return r
	}
	r.verdict = plugins.CheckTx(ctx, tx, bctx)
	if ctx.Err() != nil && r.verdict.Decision == Reject {
		r.verdict = Verdict{Decision: Abstain, Reason: "plugin time limit"}
	}
	if r.verdict.Decision == Reject {
		r.err = fmt.Errorf("%w: %s", ErrRejected, r.verdict.Reason)
	}
	return r
}

// isMembershipTx reports whether tx changes the membership.
func isMembershipTx(tx *chain.Tx) bool {
	return tx != nil && tx.Type == chain.TypeConfig && tx.Config != nil && len(tx.Config.Membership) > 0
}

// validator is the pbft.Validator of a node. The core calls it from the
// node loop only; it keeps a bounded cache of transactions already checked
// under the current chain configuration (submissions and forwarded
// requests), so a block's signatures are verified once per replica.
type validator struct {
	state    func() *chainState
	plugins  Plugins
	timeout  func() (context.Context, context.CancelFunc)
	parallel func(n int, fn func(i int))
	cache    map[[32]byte]uint64
}

const maxCheckCache = 1 << 17

func (v *validator) remember(id [32]byte, version uint64) {
	if len(v.cache) >= maxCheckCache {
		clear(v.cache)
	}
	v.cache[id] = version
}

// ValidateBlock implements pbft.Validator.
func (v *validator) ValidateBlock(seq uint64, b *pbft.Block) pbft.Verdict {
	st := v.state()
	bctx := BlockContext{ChainID: st.chainID, Height: seq, View: b.View, Proposer: b.Proposer, Time: b.Time, Plugins: st.cfg.Plugins}
	if b.Config != nil && len(b.Txs) != 1 {
		return pbft.Reject // a reconfiguration block carries exactly its authorising config tx
	}
	ctx, cancel := v.timeout()
	defer cancel()
	results := make([]checkResult, len(b.Txs))
	v.parallel(len(b.Txs), func(i int) {
		id := sha256.Sum256(b.Txs[i])
		if ver, ok := v.cache[id]; ok && ver == st.version && b.Config == nil {
			// Checked before; the structural rule below needs the decoded tx only for config blocks.
			results[i] = checkResult{id: id}
			if tx, err := chain.DecodeTx(b.Txs[i], st.params.MaxTxBytes); err == nil {
				results[i].tx = tx
			}
			return
		}
		results[i] = checkTx(ctx, b.Txs[i], st, v.plugins, bctx)
	})
	verdict := pbft.Accept
	for i, r := range results {
		switch r.verdict.Decision {
		case Reject:
			return pbft.Reject
		case Abstain:
			verdict = pbft.Abstain
		}
		if r.tx == nil {
			return pbft.Reject
		}
		if isMembershipTx(r.tx) != (b.Config != nil) {
			return pbft.Reject // membership changes travel alone in reconfiguration blocks, and only they do
		}
		if b.Config != nil && !bytes.Equal(r.tx.Config.Membership, pbft.EncodeMembership(b.Config)) {
			return pbft.Reject // the config tx must authorise exactly this membership
		}
		if verdict == pbft.Accept {
			v.cache[results[i].id] = st.version
		}
	}
	if len(v.cache) >= maxCheckCache {
		clear(v.cache)
	}
	return verdict
}

// errorCode names the sentinel of a chain error, for the API's JSON.
func errorCode(err error) string {
	for _, c := range []struct {
		err  error
		code string
	}{
		{chain.ErrBadSignature, "bad_signature"},
		{chain.ErrAddressChecksum, "bad_address_checksum"},
		{chain.ErrAddress, "bad_address"},
		{chain.ErrTooLarge, "too_large"},
		{chain.ErrNonCanonical, "non_canonical"},
		{chain.ErrWrongChain, "wrong_chain"},
		{chain.ErrHolderMismatch, "holder_mismatch"},
		{chain.ErrReceiptMismatch, "receipt_mismatch"},
		{chain.ErrMissingAttestation, "missing_attestation"},
		{chain.ErrUnknownAttester, "unknown_attester"},
		{chain.ErrUnknownIssuer, "unknown_issuer"},
		{chain.ErrUnknownSigner, "unknown_signer"},
		{chain.ErrPoW, "pow"},
		{chain.ErrMalformed, "malformed"},
		{chain.ErrKey, "bad_key"},
	} {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "malformed"
}
