package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
	"github.com/careerchain/careerchain/sdk/genesis"
	"github.com/careerchain/careerchain/sdk/middleware"
)

// submit builds a career.register from a claim file: the holder signs the
// statement, the payment key signs a receipt for it, the attester key
// attests both; it mines the PoW stamp, submits through sdk/middleware
// (which finds the leader and resends across leader changes) and waits for
// the commit. Only the TxID goes to stdout, so TXID=$(careerctl submit …)
// works; progress goes to stderr.
func (e *env) submit(ctx context.Context, g globals, args []string) error {
	fs := flags("submit", &g)
	claimFile := fs.String("claim", "", "the claim, JSON: role, organisation, start, end, description, skills, evidence")
	keyFile := fs.String("key", "", "the holder's key file")
	passFile := fs.String("passphrase-file", "", "the passphrase of every encrypted key file read, first line of F")
	devKeys := fs.String("dev-keys", "", "the data directory of careerd dev: its keys/attester.key, keys/payment.key and genesis.json")
	attKey := fs.String("attester-key", "", "the attester's key file")
	payKey := fs.String("payment-key", "", "the payment service's key file")
	genesis := fs.String("genesis", "", "the genesis file: chain id and PoW difficulty (default DATADIR/genesis.json with --dev-keys)")
	chainID := fs.String("chain-id", "", "the chain id (default: the genesis's, else the node's)")
	pow := fs.Int("pow", -1, "the PoW difficulty in leading zero bits (default: the genesis's, else 0)")
	provider := fs.String("provider", "sandbox", "the payment provider named in the receipt")
	amount := fs.Int64("amount", 10000, "the fee paid, in the currency's minor unit")
	currency := fs.String("currency", "KRW", "ISO 4217 currency")
	paymentID := fs.String("payment-id", "", "the payment's id (default: a random one)")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long")
	if _, err := parse(fs, args, 0, ""); err != nil {
		return err
	}
	if *claimFile == "" || *keyFile == "" {
		return fmt.Errorf("%w: submit needs --claim FILE and --key FILE", errUsage)
	}
	if *devKeys != "" {
		if *attKey == "" {
			*attKey = filepath.Join(*devKeys, "keys", "attester.key")
		}
		if *payKey == "" {
			*payKey = filepath.Join(*devKeys, "keys", "payment.key")
		}
		if *genesis == "" {
			*genesis = filepath.Join(*devKeys, "genesis.json")
		}
	}
	if *attKey == "" || *payKey == "" {
		return fmt.Errorf("%w: submit needs the attester's and the payment service's keys: --dev-keys DATADIR, or --attester-key F and --payment-key F", errUsage)
	}
	claim, err := readClaim(*claimFile)
	if err != nil {
		return err
	}
	holder, err := e.loadWallet(*keyFile, *passFile, "the holder's key")
	if err != nil {
		return err
	}
	att, err := e.loadWallet(*attKey, *passFile, "the attester's key")
	if err != nil {
		return err
	}
	pay, err := e.loadWallet(*payKey, *passFile, "the payment key")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	n, id, difficulty, err := connect(ctx, g, *genesis, *chainID, *pow)
	if err != nil {
		return err
	}
	*chainID = id
	if *paymentID == "" {
		var r [8]byte
		rand.Read(r[:])
		*paymentID = "cli-" + hex.EncodeToString(r[:])
	}

	say := func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	say("holder    %s", holder.Address())
	say("claim     %s", claimLine(claim))
	nonce, err := chain.NewNonce(rand.Reader)
	if err != nil {
		return err
	}
	st := chain.NewStatement(holder, *chainID, nonce, claim)
	sig, err := chain.SignStatement(holder, st)
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	rc, err := chain.SignReceipt(pay.PrivateKey(), chain.NewReceipt(*provider, *paymentID, *amount, *currency, st.Digest()))
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	at, err := chain.Attest(att.PrivateKey(), st, rc, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	tx := chain.NewCareerTx(st, sig, rc, at)
	say("signed    statement (holder), receipt %s %d %s (payment %s), attestation (%s)", *provider, *amount, *currency, short(pay.KeyHex()), short(att.KeyHex()))
	if err := e.mine(ctx, tx, difficulty); err != nil {
		return err
	}

	return e.commit(ctx, g, n, *chainID, tx)
}

// commit submits tx through the leader and waits for its commit, printing
// the TxID (or, with --json, the result). A transaction the chain refuses
// or rejects at execution is errInvalid; no answer is errUnreachable.
func (e *env) commit(ctx context.Context, g globals, n *network, chainID string, tx *chain.Tx) error {
	say := func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	// The middleware finds the leader among the replicas (--node may name
	// the MSP, which lists them).
	replicas, err := n.replicas(ctx)
	if err != nil {
		return err
	}
	urls := make([]string, len(replicas))
	for i, r := range replicas {
		urls[i] = r.Base()
	}
	p, err := middleware.New(middleware.Options{ChainID: chainID, Leaders: middleware.Replicas{URLs: urls}})
	if err != nil {
		return err
	}
	say("sending   %s to the leader (via %s), waiting for the commit", chain.TxID(tx), urls[0])
	start := time.Now()
	res, err := p.Submit(ctx, tx)
	switch {
	case errors.Is(err, middleware.ErrUnavailable):
		return fmt.Errorf("%w: %v", errUnreachable, err)
	case errors.Is(err, middleware.ErrRejected):
		return fmt.Errorf("%w: %v", errInvalid, err)
	case err != nil:
		return err
	case res.Status != "accepted":
		return fmt.Errorf("%w: transaction %s was committed at height %d but rejected at execution: %s", errInvalid, res.TxID, res.Height, res.Reason)
	}
	say("committed at height %d, index %d, in %.1f s", res.Height, res.Index, time.Since(start).Seconds())
	if g.json {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintln(e.stdout, res.TxID)
	return nil
}

// connect reaches the network --node names and returns it with the chain
// id and PoW difficulty to sign and mine for (see chainParams).
func connect(ctx context.Context, g globals, genesisFile, chainID string, pow int) (*network, string, uint8, error) {
	n, err := newNetwork(g.node)
	if err != nil {
		return nil, "", 0, err
	}
	id, difficulty, err := chainParams(ctx, n, genesisFile, chainID, pow)
	return n, id, difficulty, err
}

// chainParams returns the chain id and PoW difficulty to sign and mine
// for: from the genesis file if one is named, overridden by --chain-id and
// --pow (pow < 0: not given), else the chain id the node reports.
func chainParams(ctx context.Context, n *network, genesisFile, chainID string, pow int) (string, uint8, error) {
	if pow > 32 {
		return "", 0, fmt.Errorf("%w: --pow %d is above 32", errUsage, pow)
	}
	difficulty := uint8(0)
	if genesisFile != "" {
		gen, err := genesis.Load(genesisFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "", 0, fmt.Errorf("the genesis file: %w", err)
		case err != nil:
			return "", 0, fmt.Errorf("%w: the genesis file %v", errInvalid, err)
		}
		if chainID == "" {
			chainID = gen.ChainID
		}
		difficulty = gen.Config.PoWDifficulty
	}
	if pow >= 0 {
		difficulty = uint8(pow)
	}
	if chainID == "" {
		s, err := n.status(ctx)
		if err != nil {
			return "", 0, err
		}
		chainID = s.chainID
	}
	return chainID, difficulty, nil
}

// mine sets tx's PoW stamp, reporting progress on stderr.
func (e *env) mine(ctx context.Context, tx *chain.Tx, difficulty uint8) error {
	if difficulty == 0 {
		return nil
	}
	fmt.Fprintf(e.stderr, "mining    the PoW stamp, difficulty %d (about %d tries)", difficulty, uint64(1)<<difficulty)
	start := time.Now()
	done := make(chan error, 1)
	mined := *tx
	go func() { done <- chain.Mine(ctx, &mined, difficulty) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				fmt.Fprintln(e.stderr)
				return err
			}
			tx.PoW = mined.PoW
			if e.progress {
				fmt.Fprintf(e.stderr, "\rmining    the PoW stamp, difficulty %d: found in %.1f s (counter %d)\n", difficulty, time.Since(start).Seconds(), mined.PoW)
			} else {
				fmt.Fprintf(e.stderr, ": found in %.1f s (counter %d)\n", time.Since(start).Seconds(), mined.PoW)
			}
			return nil
		case <-tick.C:
			if e.progress {
				fmt.Fprintf(e.stderr, "\rmining    the PoW stamp, difficulty %d (about %d tries): %.0f s", difficulty, uint64(1)<<difficulty, time.Since(start).Seconds())
			} else {
				fmt.Fprint(e.stderr, ".")
			}
		}
	}
}

// readClaim reads a claim file strictly: a typo in a field name is an
// error, not a field left out.
func readClaim(path string) (chain.Claim, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return chain.Claim{}, fmt.Errorf("the claim: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c chain.Claim
	if err := dec.Decode(&c); err != nil {
		return chain.Claim{}, fmt.Errorf("%w: the claim %s: %v (fields: role, organisation, start, end, description, skills, evidence)", errInvalid, path, err)
	}
	return c, nil
}
