// Package wasm runs Careerchain's Wasm plugins (validators, payment checks,
// authenticity scorers) in a wazero sandbox and turns each call into a
// [Result] every replica computes the same way.
//
// # ABI v1
//
// A module speaks ABI v1 when it exports:
//
//	careerchain_abi_v1()                      marker, never called
//	alloc(size i32) -> ptr i32                a buffer of size bytes the host may write
//	free(ptr i32)                             releases a buffer from alloc or evaluate
//	evaluate(ptr i32, len i32) -> i64         runs the plugin on the input at ptr..ptr+len
//	memory                                    its linear memory
//
// and, if it needs it, _initialize (run once per instance, as WASI reactors
// expect). evaluate returns (out_ptr << 32) | out_len. The host writes the
// input JSON into a buffer from alloc, calls evaluate (the input buffer then
// belongs to the guest), copies out_len bytes at out_ptr out of guest memory,
// and calls free(out_ptr).
//
// Input JSON: {"abi":1,"kind":..,"chain_id":..,"height":..,"time":<block time,
// Unix seconds>,"config":<plugin config string from the chain config>,"tx":<sdk/chain Tx>}.
// Output JSON: {"verdict":"accept"|"reject","code":..,"reason":..,"score_ppm":0..1000000}.
// docs/PLUGINS.md is the guide; sdk/plugin hides all of this from Go authors.
//
// # Invariants
//
//   - A module is compiled once, at [Host.Load], and refused there unless its
//     SHA-256 matches the pinned digest, it exports the ABI v1 marker and
//     functions with the right signatures, it imports nothing but the
//     deterministic WASI subset in allowedImports (no filesystem, no sockets),
//     and its memory fits Options.MemoryLimitPages.
//   - Each plugin has at most Options.PoolSize instances. An instance whose
//     call failed in any way (trap, exit, timeout, bad output) is closed and
//     never reused.
//   - Every guest-supplied pointer and length is checked against the guest's
//     memory and Options.MaxOutput before the host reads, and output is
//     copied out before the guest may free or reuse it.
//   - Plugins see no filesystem, network, environment or arguments, wazero's
//     fake clock and deterministic random source. The block time comes in the
//     input.
//   - Verdicts: accept and reject come from the plugin. Fault is the plugin's
//     own deterministic misbehaviour (trap, exit, bad pointer, oversized or
//     malformed output): every replica sees it, so it counts as a reject.
//     Abstain is local trouble (the wall-clock limit, a cancelled context, a
//     host closing, an instance that could not be created): a replica that
//     abstains casts no vote.
//
// A [Host] is safe for concurrent use.
package wasm
