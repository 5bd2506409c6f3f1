// Package chaos runs fault campaigns against a network of separate
// `careerd node` processes on this machine and checks, after every fault,
// the properties a user relies on:
//
//   - agreement: every correct replica's API serves the same block digest
//     at every height;
//   - durability: every transaction a replica acknowledged as committed is
//     present, accepted, on every correct replica;
//   - validity: every acknowledged transaction's proof bundle verifies with
//     sdk/verify against the genesis (the membership of its height);
//   - liveness: once the fault is healed a probe transaction commits, and
//     the time it took is recorded as a figure;
//   - restart: every replica can be stopped and started again.
//
// Faults are process faults (SIGKILL and restart, SIGSTOP and SIGCONT,
// loss of quorum, a ledger file with flipped bytes) and, when the process
// runs as root with `ip` available, network faults: each replica in its
// own network namespace joined by veth pairs to a bridge, partitions by
// blackhole routes and slow links by a `tc` rate limit. Without that, the
// network faults are skipped and the run's report says so (Report.Network).
//
// Cluster owns the processes and the directory; Campaign runs a list of
// faults and collects a Report. The short campaign runs under `go test`
// (make test); `make chaos` runs the long one (CHAOS_LONG=1).
package chaos
