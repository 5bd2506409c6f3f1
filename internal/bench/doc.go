// Package bench is the multi-process benchmark behind `careerd bench`: it
// launches replicas as separate `careerd node` processes (or targets
// running ones), makes realistic career.register transactions from a
// testnet's keys, drives the replicas' HTTP API with closed-loop clients,
// measures committed throughput, commit latency percentiles, the
// replicas' CPU and memory from /proc, view changes and refusals, measures
// the ceiling (the stateless checks no replica can avoid) in the same run,
// and draws an SVG plot of a sweep over offered load.
package bench
