//go:build js && wasm

package main

import "syscall/js"

// main defines careerchainVerify and careerchainVerifyCredential on the page's global object and keeps
// the module alive for later calls.
func main() {
	js.Global().Set("careerchainVerify", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
			return `{"error":"careerchainVerify takes the bundle and the genesis as two strings.","ok":false,"steps":[]}`
		}
		return checkJSON([]byte(args[0].String()), []byte(args[1].String()))
	}))
	js.Global().Set("careerchainVerifyCredential", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 3 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString || args[2].Type() != js.TypeString {
			return `{"ok":false,"proof_error":"careerchainVerifyCredential takes the credential, the bundle and the genesis as three strings."}`
		}
		return checkCredentialJSON([]byte(args[0].String()), []byte(args[1].String()), []byte(args[2].String()))
	}))
	js.Global().Get("dispatchEvent").Invoke(js.Global().Get("Event").New("careerchain-verifier-ready"))
	select {}
}
