package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"time"

	"github.com/careerchain/careerchain/sdk/chain"
)

// keySets maps the command's words to the chain's key-set names.
var keySets = map[string]string{"attester": chain.KeySetAttesters, "payment-issuer": chain.KeySetPaymentIssuers, "credential-issuer": chain.KeySetCredentialIssuers}

// adminKeys changes the attester, payment-issuer or credential-issuer set with a config
// transaction signed by an operator key the genesis names:
//
//	admin attester|payment-issuer|credential-issuer add|remove KEYHEX... --key FILE
//
// A rotation is one transaction: --add and --remove together (admin
// attester rotate OLD NEW). Records attested before a removal stay valid.
func (e *env) adminKeys(ctx context.Context, g globals, word string, args []string) error {
	fs := flags("admin "+word, &g)
	keyFile := fs.String("key", "", "the operator's key (hex seed or key file; a config signer of the genesis)")
	passFile := fs.String("passphrase-file", "", "the passphrase of an encrypted key file, first line of F")
	devKeys := fs.String("dev-keys", "", "the data directory of careerd dev: its keys/operator.key and genesis.json")
	genesis := fs.String("genesis", "", "the genesis file: chain id and PoW difficulty")
	chainID := fs.String("chain-id", "", "the chain id (default: the genesis's, else the node's)")
	pow := fs.Int("pow", -1, "the PoW difficulty in leading zero bits (default: the genesis's, else 0)")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long")
	pos, err := parse(fs, args, -1, "")
	if err != nil {
		return err
	}
	const use = "admin %s add KEY... | remove KEY... | rotate OLD NEW, with --key FILE or --dev-keys DATADIR"
	if len(pos) < 2 {
		return fmt.Errorf("%w: "+use, errUsage, word)
	}
	change := &chain.KeyChange{Set: keySets[word]}
	switch op, keys := pos[0], pos[1:]; op {
	case "add":
		change.Add = keys
	case "remove":
		change.Remove = keys
	case "rotate":
		if len(keys) != 2 {
			return fmt.Errorf("%w: admin %s rotate takes the old key and the new one", errUsage, word)
		}
		change.Remove, change.Add = keys[:1], keys[1:]
	default:
		return fmt.Errorf("%w: "+use, errUsage, word)
	}
	if *devKeys != "" {
		if *keyFile == "" {
			*keyFile = filepath.Join(*devKeys, "keys", "operator.key")
		}
		if *genesis == "" {
			*genesis = filepath.Join(*devKeys, "genesis.json")
		}
	}
	if *keyFile == "" {
		return fmt.Errorf("%w: admin %s needs the operator's key: --key FILE or --dev-keys DATADIR", errUsage, word)
	}
	op, err := e.loadWallet(*keyFile, *passFile, "the operator's key")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	n, id, difficulty, err := connect(ctx, g, *genesis, *chainID, *pow)
	if err != nil {
		return err
	}
	nonce, err := chain.NewNonce(rand.Reader)
	if err != nil {
		return err
	}
	cfg, err := chain.SignConfig(op.PrivateKey(), chain.Config{ChainID: id, Nonce: nonce, Keys: change})
	if err != nil {
		return fmt.Errorf("%w: %v", errInvalid, err)
	}
	tx := chain.NewConfigTx(cfg)
	fmt.Fprintf(e.stderr, "change    %s: add %v, remove %v (signed by %s)\n", change.Set, change.Add, change.Remove, short(op.KeyHex()))
	if err := e.mine(ctx, tx, difficulty); err != nil {
		return err
	}
	return e.commit(ctx, g, n, id, tx)
}
