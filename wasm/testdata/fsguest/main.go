// Command fsguest is a test plugin that reads a file, which imports WASI
// filesystem functions: the host must refuse it at load.
package main

import (
	"os"

	"github.com/careerchain/careerchain/sdk/plugin"
)

var _ = plugin.Register(func(in plugin.Input) plugin.Output {
	if _, err := os.ReadFile("/etc/passwd"); err == nil {
		return plugin.Reject("leak", "read a host file")
	}
	return plugin.Accept()
})

func main() {}
