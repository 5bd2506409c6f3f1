package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/careerchain/careerchain/sdk/chain"
)

// minPassphrase is the least number of characters careerctl takes for a
// new key file's passphrase.
const minPassphrase = 8

const walletUsage = `careerctl wallet new --out FILE [--passphrase-file F]
careerctl wallet show --key FILE
careerctl wallet import --from FILE|- --out FILE [--passphrase-file F] [--from-passphrase-file F]
careerctl wallet export --key FILE [--out FILE] [--passphrase-file F] [--key-passphrase-file F] [--seed]`

// wallet runs the wallet subcommands. Key files are sdk/chain's
// passphrase-encrypted format, the portal's too; careerctl also reads plain
// hex keys (the role keys careerd writes) wherever it reads a key.
func (e *env) wallet(_ context.Context, g globals, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: wallet needs new, show, import or export\n%s", errUsage, walletUsage)
	}
	sub, args := args[0], args[1:]
	fs := flags("wallet "+sub, &g)
	switch sub {
	case "new":
		out := fs.String("out", "", "the key file to write (it must not exist)")
		pass := fs.String("passphrase-file", "", "read the new passphrase from the first line of F")
		if _, err := parse(fs, args, 0, ""); err != nil {
			return err
		}
		if *out == "" {
			return fmt.Errorf("%w: wallet new needs --out FILE\n%s", errUsage, walletUsage)
		}
		w, err := chain.NewWallet(nil)
		if err != nil {
			return err
		}
		return e.writeKeyFile(g, w, *out, *pass, "New wallet")
	case "show":
		key := fs.String("key", "", "a key file or hex key file")
		if _, err := parse(fs, args, 0, ""); err != nil {
			return err
		}
		if *key == "" {
			return fmt.Errorf("%w: wallet show needs --key FILE", errUsage)
		}
		b, err := os.ReadFile(*key)
		if err != nil {
			return err
		}
		info := map[string]any{"file": *key}
		if isKeyFile(b) {
			kf, err := chain.ParseKeyFile(b)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", errInvalid, *key, err)
			}
			info["address"], info["public_key"], info["encrypted"] = kf.Address, kf.PublicKey, true
			info["kdf"], info["iterations"], info["cipher"] = kf.KDF.Name, kf.KDF.Iterations, kf.Cipher.Name
		} else {
			w, err := parseHexKey(b)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", errInvalid, *key, err)
			}
			info["address"], info["public_key"], info["encrypted"] = w.Address(), w.KeyHex(), false
		}
		if g.json {
			return writeJSON(e.stdout, info)
		}
		fmt.Fprintf(e.stdout, "Wallet %s\n  public key: %s\n", info["address"], info["public_key"])
		if info["encrypted"] == true {
			fmt.Fprintf(e.stdout, "  key file:   %s, encrypted (%s, %d iterations, %s)\n", *key, info["kdf"], info["iterations"], info["cipher"])
		} else {
			fmt.Fprintf(e.stdout, "  key file:   %s, NOT encrypted (a plain hex key: careerctl wallet export writes an encrypted one)\n", *key)
		}
		return nil
	case "import":
		from := fs.String("from", "", "a hex private key (32-byte seed or 64-byte Ed25519 key) or key file; - reads stdin")
		out := fs.String("out", "", "the key file to write (it must not exist)")
		pass := fs.String("passphrase-file", "", "the new key file's passphrase, first line of F")
		fromPass := fs.String("from-passphrase-file", "", "the passphrase of --from, if it is an encrypted key file")
		if _, err := parse(fs, args, 0, ""); err != nil {
			return err
		}
		if *from == "" || *out == "" {
			return fmt.Errorf("%w: wallet import needs --from FILE|- and --out FILE\n%s", errUsage, walletUsage)
		}
		w, err := e.loadWallet(*from, *fromPass, "the key to import")
		if err != nil {
			return err
		}
		return e.writeKeyFile(g, w, *out, *pass, "Imported wallet")
	case "export":
		key := fs.String("key", "", "the wallet: a key file or hex key file")
		out := fs.String("out", "-", "the key file to write (default stdout)")
		pass := fs.String("passphrase-file", "", "the exported key file's passphrase, first line of F")
		keyPass := fs.String("key-passphrase-file", "", "the passphrase of --key, if it is an encrypted key file")
		seed := fs.Bool("seed", false, "print the raw seed in hex instead (anyone who reads it holds the wallet)")
		if _, err := parse(fs, args, 0, ""); err != nil {
			return err
		}
		if *key == "" {
			return fmt.Errorf("%w: wallet export needs --key FILE\n%s", errUsage, walletUsage)
		}
		w, err := e.loadWallet(*key, *keyPass, "--key")
		if err != nil {
			return err
		}
		if *seed {
			fmt.Fprintln(e.stderr, "careerctl: this is the wallet's secret seed, unencrypted: whoever reads it holds the wallet")
			return writeSecret(e, *out, []byte(hex.EncodeToString(w.Seed())+"\n"))
		}
		return e.writeKeyFile(g, w, *out, *pass, "Exported wallet")
	default:
		return fmt.Errorf("%w: unknown wallet command %q\n%s", errUsage, sub, walletUsage)
	}
}

// writeKeyFile encrypts w under a new passphrase and writes it to out
// ("-": stdout), then says what was written.
func (e *env) writeKeyFile(g globals, w chain.Wallet, out, passFile, what string) error {
	if out != "-" {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%w: %s exists; careerctl never overwrites a key file: choose another --out", errUsage, out)
		}
	}
	pass, err := e.newPassphrase(passFile)
	if err != nil {
		return err
	}
	kf, err := w.EncryptKey(pass, chain.KeyFileOptions{})
	if err != nil {
		return err
	}
	if err := writeSecret(e, out, kf); err != nil {
		return err
	}
	if out == "-" {
		return nil
	}
	if g.json {
		return writeJSON(e.stdout, map[string]string{"address": w.Address(), "public_key": w.KeyHex(), "file": out})
	}
	fmt.Fprintf(e.stdout, "%s %s\n  public key: %s\n  key file:   %s (encrypted with your passphrase: PBKDF2-HMAC-SHA256, %d iterations, AES-256-GCM)\n",
		what, w.Address(), w.KeyHex(), out, chain.KeyFileIterations)
	fmt.Fprintln(e.stdout, "Keep the file and the passphrase safe and apart: without them you can neither amend nor revoke your records, and nobody can recover them.")
	return nil
}

// writeSecret writes b to path (0600, never over an existing file) or
// stdout for "-".
func writeSecret(e *env, path string, b []byte) error {
	if path == "-" {
		_, err := e.stdout.Write(b)
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w: %s exists; careerctl never overwrites a key file: choose another --out", errUsage, path)
		}
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// loadWallet reads a wallet from path ("-": stdin): a passphrase-encrypted
// key file, opened with the first line of passFile or a passphrase asked
// on the terminal, or a plain hex private key.
func (e *env) loadWallet(path, passFile, what string) (chain.Wallet, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(e.stdin, 1<<16))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return chain.Wallet{}, fmt.Errorf("%s: %w", what, err)
	}
	if !isKeyFile(b) {
		w, err := parseHexKey(b)
		if err != nil {
			return chain.Wallet{}, fmt.Errorf("%w: %s (%s): %v", errInvalid, what, path, err)
		}
		return w, nil
	}
	kf, err := chain.ParseKeyFile(b)
	if err != nil {
		return chain.Wallet{}, fmt.Errorf("%w: %s (%s): %v", errInvalid, what, path, err)
	}
	var pass string
	if passFile != "" {
		if pass, err = readPassphraseFile(passFile); err != nil {
			return chain.Wallet{}, err
		}
	} else {
		if e.readPassword == nil {
			return chain.Wallet{}, errNoTerminal
		}
		if pass, err = e.readPassword(fmt.Sprintf("Passphrase of %s (%s): ", path, kf.Address)); err != nil {
			return chain.Wallet{}, err
		}
	}
	w, err := chain.DecryptKey(b, pass)
	if err != nil {
		return chain.Wallet{}, fmt.Errorf("%w: %s: %v", errInvalid, path, err)
	}
	return w, nil
}

// newPassphrase returns the passphrase for a key file being written: the
// first line of passFile, or asked twice on the terminal.
func (e *env) newPassphrase(passFile string) (string, error) {
	var pass string
	var err error
	if passFile != "" {
		if pass, err = readPassphraseFile(passFile); err != nil {
			return "", err
		}
	} else {
		if e.readPassword == nil {
			return "", errNoTerminal
		}
		if pass, err = e.readPassword("New passphrase for the key file: "); err != nil {
			return "", err
		}
		again, err := e.readPassword("The same passphrase again: ")
		if err != nil {
			return "", err
		}
		if again != pass {
			return "", fmt.Errorf("%w: the two passphrases differ; nothing was written", errUsage)
		}
	}
	if utf8.RuneCountInString(pass) < minPassphrase {
		return "", fmt.Errorf("%w: the passphrase has fewer than %d characters; choose a longer one", errUsage, minPassphrase)
	}
	return pass, nil
}

// readPassphraseFile returns the first line of path, without its line end.
func readPassphraseFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("the passphrase file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("the passphrase file: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// isKeyFile tells a JSON key file from a plain hex key.
func isKeyFile(b []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) }

// parseHexKey reads a plain hex private key: a 32-byte Ed25519 seed (as
// careerd writes role keys) or a 64-byte Ed25519 private key (seed and
// public key), whose public half must match.
func parseHexKey(b []byte) (chain.Wallet, error) {
	s := strings.TrimSpace(string(b))
	raw, err := hex.DecodeString(s)
	if err != nil {
		return chain.Wallet{}, errors.New("not a key file and not a hex private key")
	}
	switch len(raw) {
	case ed25519.SeedSize:
		return chain.WalletFromSeed(raw)
	case ed25519.PrivateKeySize:
		w, err := chain.WalletFromSeed(raw[:ed25519.SeedSize])
		if err != nil {
			return chain.Wallet{}, err
		}
		if !bytes.Equal(w.PublicKey(), raw[ed25519.SeedSize:]) {
			return chain.Wallet{}, errors.New("the 64-byte private key's public half is not its seed's public key")
		}
		return w, nil
	}
	return chain.Wallet{}, fmt.Errorf("a hex private key has 32 bytes (a seed) or 64 (an Ed25519 private key), not %d", len(raw))
}
