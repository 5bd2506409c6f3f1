// Command careerctl is Careerchain's command-line tool: wallets, submit,
// get, verify a proof offline, run a plugin locally, status and admin
// actions.
//
//	careerctl plugin run MODULE --tx FILE [--config STR] [--height N --time UNIX]
package main

import (
	"errors"
	"fmt"
	"os"
)

// errUsage marks errors that the usage text explains.
var errUsage = errors.New("usage")

const usage = `usage: careerctl COMMAND [ARGS]

commands:
  plugin run MODULE --tx FILE [--config STR] [--kind KIND] [--height N] [--time UNIX]
        run a Wasm plugin on a transaction and print its result as JSON
  admin leader ID | remove ID | promote ID | status | enrol ...   (see careerctl admin -h)
        operator actions through the MSP's authenticated admin API
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
		}
		fmt.Fprintln(os.Stderr, "careerctl:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	switch args[0] {
	case "plugin":
		return runPlugin(args[1:])
	case "admin":
		return runAdmin(args[1:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
}
