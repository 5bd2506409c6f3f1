// Package claimcheck holds the career-validator plugin's rules, in plain Go
// so they run (and are tested and fuzzed) natively as well as in the Wasm
// module. Check is pure: the same transaction and block time always give
// the same answer.
package claimcheck
