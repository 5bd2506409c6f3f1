// Command careerctl is Careerchain's command-line client: wallets and key
// files, submitting a career record, reading records and their proofs,
// verifying a proof offline against the genesis, the network's status,
// running a plugin locally, and operator actions through the MSP.
//
// Output is for a person by default and JSON with --json. The exit code
// says what happened (see the usage text): 0 ok, 1 verification failed or
// input invalid, 2 usage, 3 not found, 4 unreachable. The chain commands
// speak to the replicas and the MSP through sdk/client; network.go resolves
// --node (a replica or the MSP) to the replicas to read from.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Sentinel errors; exitCode maps each to the exit code the usage text
// documents.
var (
	errUsage       = errors.New("usage")                  // 2
	errInvalid     = errors.New("careerctl: invalid")     // 1: verification failed, or the input or transaction is invalid
	errNotFound    = errors.New("careerctl: not found")   // 3
	errUnreachable = errors.New("careerctl: unreachable") // 4
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitUnreachable = 4
)

// defaultNode is the dev network's MSP (careerd dev): it names the
// replicas, and careerctl reads from them and submits to the leader.
const defaultNode = "http://127.0.0.1:7390"

const usage = `usage: careerctl [--node URL] [--json] COMMAND [ARGS]

wallets (key files are passphrase-encrypted, one format with the portal):
  wallet new --out FILE [--passphrase-file F]
  wallet show --key FILE
  wallet import --from FILE|- --out FILE [--passphrase-file F] [--from-passphrase-file F]
        FILE holds a private key in hex (32-byte seed or 64-byte Ed25519 key) or is a key file
  wallet export --key FILE [--out FILE] [--passphrase-file F] [--key-passphrase-file F] [--seed]
        write the wallet as a key file under a (new) passphrase; --seed prints the raw seed hex

records:
  submit --claim FILE --key FILE (--dev-keys DATADIR | --attester-key F --payment-key F)
         [--amount N --currency C --provider P --payment-id ID] [--pow D] [--genesis FILE]
        sign, attest, pay, mine the PoW stamp, submit and wait; prints the TxID
  get TXID                        a transaction, its result and the record's status
  careers ADDRESS [--limit N] [--after TXID] [--all]
                                  an address's transactions, oldest first, page by page
  proof TXID [--out FILE]         the record's proof bundle (JSON), for verify --offline
  verify TXID|BUNDLE [--offline] [--genesis FILE]
                                  check a record step by step against the genesis alone
  status                          the network at a glance: replicas, leader, view, height, epoch

operators:
  admin leader ID | remove ID | promote ID | status | enrol ...   (careerctl admin -h)
        through the MSP's authenticated admin API
  admin attester|payment-issuer|credential-issuer add KEY... | remove KEY... | rotate OLD NEW
        (--key FILE | --dev-keys DATADIR) [--genesis FILE] [--pow D]
        change who may attest records or sign payment receipts, by a config
        transaction signed with an operator key the genesis names; records
        attested before a removal stay valid
  plugin run MODULE --tx FILE [--config STR] [--kind KIND] [--height N] [--time UNIX]
        run a Wasm plugin on a transaction and print its result as JSON

common flags (before or after the command):
  --node URL   a replica's or the MSP's API (default $CAREERCHAIN_NODE or ` + defaultNode + `,
               the dev network's MSP); reads go to the replicas it names
  --json       JSON on stdout for scripts instead of text for a person
  a passphrase is asked on the terminal unless --passphrase-file names a file holding it

exit codes:
  0  ok
  1  verification failed, or the input or the transaction is invalid (rejected)
  2  usage: unknown command, missing or bad flag
  3  not found: no such transaction, address or file
  4  unreachable: no answer from the node (is the network running? check --node)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(newEnv().main(ctx, os.Args[1:]))
}

// env is what a command may touch outside itself: its streams, the
// environment and the terminal. Tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// readPassword asks for a passphrase on the terminal without echo; nil
	// when there is none (then --passphrase-file is needed).
	readPassword func(prompt string) (string, error)
	// progress reports whether stderr is a terminal that takes \r updates.
	progress bool
}

// main runs one command and returns its exit code, having printed any error.
func (e *env) main(ctx context.Context, args []string) int {
	err := e.run(ctx, args)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(e.stderr, "careerctl:", strings.TrimPrefix(err.Error(), "careerctl: "))
	if errors.Is(err, errUsage) {
		if len(args) == 0 {
			fmt.Fprint(e.stderr, usage)
		} else {
			fmt.Fprintln(e.stderr, "(careerctl help lists the commands and their flags)")
		}
	}
	return exitCode(err)
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ue *url.Error
	var oe *net.OpError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, errNotFound), errors.Is(err, os.ErrNotExist):
		return exitNotFound
	case errors.Is(err, errUnreachable), errors.As(err, &oe), errors.As(err, &ue) && !errors.Is(err, context.Canceled):
		return exitUnreachable
	default:
		return exitInvalid
	}
}

// globals are the common flags.
type globals struct {
	node string
	json bool
}

func (e *env) run(ctx context.Context, args []string) error {
	g := globals{node: e.getenv("CAREERCHAIN_NODE")}
	if g.node == "" {
		g.node = defaultNode
	}
	fs := flag.NewFlagSet("careerctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.node, "node", g.node, "")
	fs.BoolVar(&g.json, "json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, usage)
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	args = fs.Args()
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "wallet":
		return e.wallet(ctx, g, rest)
	case "submit":
		return e.submit(ctx, g, rest)
	case "get":
		return e.get(ctx, g, rest)
	case "careers":
		return e.careers(ctx, g, rest)
	case "proof":
		return e.proof(ctx, g, rest)
	case "verify":
		return e.verify(ctx, g, rest)
	case "status":
		return e.status(ctx, g, rest)
	case "plugin":
		return pluginCommand(ctx, rest, e.stdin, e.stdout)
	case "admin":
		if len(rest) > 0 && keySets[rest[0]] != "" {
			return e.adminKeys(ctx, g, rest[0], rest[1:])
		}
		return runAdmin(rest)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// flags is a command's flag set with the common flags registered,
// defaulting to what came before the command.
func flags(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.node, "node", g.node, "")
	fs.BoolVar(&g.json, "json", g.json, "")
	return fs
}

// parse parses args with flags and positional arguments in any order and
// returns the positional ones; want is how many the command takes (-1: any
// number, the command checks them).
func parse(fs *flag.FlagSet, args []string, want int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if want >= 0 && len(pos) != want {
		if want == 0 {
			return nil, fmt.Errorf("%w: %s takes no argument, got %q", errUsage, fs.Name(), pos)
		}
		return nil, fmt.Errorf("%w: %s needs %s", errUsage, fs.Name(), what)
	}
	return pos, nil
}

// newEnv returns the process's environment: its streams, and the terminal
// for passphrases (stdin if it is one, else /dev/tty).
func newEnv() *env {
	return &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		readPassword: ttyPassword, progress: term.IsTerminal(int(os.Stderr.Fd()))}
}

// errNoTerminal: a passphrase was needed and there is no terminal to ask.
var errNoTerminal = fmt.Errorf("%w: no terminal to ask for the passphrase: pass --passphrase-file FILE", errUsage)

func ttyPassword(prompt string) (string, error) {
	f := os.Stdin
	if !term.IsTerminal(int(f.Fd())) {
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return "", errNoTerminal
		}
		defer tty.Close()
		f = tty
	}
	fmt.Fprint(os.Stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading the passphrase: %w", err)
	}
	return string(b), nil
}
