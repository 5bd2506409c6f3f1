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
//	free(ptr i32)                             releases a buffer from alloc
//	evaluate(ptr i32, len i32) -> i64         runs the plugin on the input at ptr..ptr+len
//	memory                                    its linear memory
//
// and, if it needs it, _initialize (run once per instance, as WASI reactors
// expect). evaluate returns (out_ptr << 32) | out_len.
//
// The input buffer is the host's: it gets one from alloc for an instance
// and reuses it for every call, writing the input document and calling
// evaluate (the guest must not keep or free it), and replaces it (free,
// then alloc) only when an input does not fit. The output belongs to the
// guest and must stay valid until the host's next call into the module;
// the host copies it out at once. So a steady-state call is one guest call.
//
// Input: a binary field list (sdk/plugin AppendInput/DecodeInput): each
// field a tag byte, a little-endian uint32 length and the value; integers 8
// bytes little-endian; the ABI version first; unknown tags skipped. Every
// kind gets the call context (kind, chain id, height, block time, config)
// and the transaction's type and career statement with its claim; payment
// plugins also get the receipt, the statement digest and the receipt's
// signing bytes, computed natively by the host with sdk/chain. The Go SDK
// decodes it without copying, allocating or reflection.
// Output JSON: {"verdict":"accept"|"reject","code":..,"reason":..,"score_ppm":0..1000000}.
//
// Host functions: a module may import careerchain.ed25519_verify(pub,
// msg, msg_len, sig i32) -> i32, which returns 1 if the 64 bytes at sig
// are a valid Ed25519 signature (crypto/ed25519.Verify) of the msg_len
// bytes at msg under the 32-byte key at pub, else 0; a range outside the
// guest's memory is a fault (CodeBadPointer). It is pure and runs natively,
// through the host's SigNotes, which answer for a signature this
// replica's CheckStateless has just verified (through
// SigNotes.VerifyAndNote) without verifying it again.
// docs/PLUGINS.md is the guide; sdk/plugin hides all of this from Go authors.
//
// # Invariants
//
//   - A module is compiled once, at [Host.Load], and refused there unless its
//     SHA-256 matches the pinned digest, it exports the ABI v1 marker and
//     functions with the right signatures, it imports nothing but the
//     deterministic WASI subset in allowedImports (no filesystem, no sockets)
//     and the pure host functions in hostImports, and its memory fits
//     Options.MemoryLimitPages.
//   - Each plugin has at most Options.PoolSize instances. An instance whose
//     call failed in any way (trap, exit, timeout, bad output) is closed and
//     never reused.
//   - Every guest-supplied pointer and length is checked against the guest's
//     memory (and outputs against Options.MaxOutput) before the host reads
//     or writes, and output is copied out before the guest runs again.
//   - Plugins see no filesystem, network, environment or arguments, wazero's
//     fake clock and deterministic random source. The block time comes in the
//     input.
//   - Verdicts are pbft.Verdict, the one verdict type of Careerchain: Accept
//     and Reject come from the plugin. A fault (Result.Fault) is the
//     plugin's own deterministic misbehaviour (trap, exit, bad pointer,
//     oversized or malformed output): every replica sees it, so it is a
//     Reject, with a Code that says which. Abstain is local trouble (the
//     wall-clock limit, a cancelled context, a host closing, an instance
//     that could not be created): a replica that abstains casts no vote.
//
// A [Host] is safe for concurrent use.
package wasm
