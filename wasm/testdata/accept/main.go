// Command accept is a test plugin built with the SDK that accepts every
// transaction: what a Go guest costs per call before any plugin logic.
package main

import "github.com/careerchain/careerchain/sdk/plugin"

var _ = plugin.Register(func(plugin.Input) plugin.Output { return plugin.Accept() })

func main() {}
