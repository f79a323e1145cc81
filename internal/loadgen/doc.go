// Package loadgen is the load generator behind `hocvu bench`: it measures,
// on the machine it runs on, what the campaign cares about, and writes a
// markdown report for docs/benchmarks.md.
//
// It runs the real hocvu binary for every role, as child processes, like
// production: `hocvu simulate --mode bulk` loads a simulated campaign
// straight into the event store (bulk load rate); `hocvu serve` then
// starts on the loaded log, and /api/projections is polled until every
// projection has applied the head (catch-up time of each read model, all
// projections at once); concurrent clients POST batches of fresh
// simulated statements over HTTP (ingest rate, validation, fsync and
// index included), and the time until every projection has applied them
// is the analytics lag; every named analytics query and a set of GET
// /xapi/statements queries run a given number of times after one
// warm-up (p50, p95 and p99 latencies, through HTTP); finally `hocvu
// projections rebuild analytics` rebuilds the analytics alone from the
// whole log (rebuild rate).
//
// The figures are measurements, never assertions: they depend on the
// machine and on what else runs on it, so the report names the machine,
// the date and the campaign.
package loadgen
