//go:build race

package kurrentdb_test

// raceEnabled reports whether the race detector is on; it makes the
// 100,000-stream case about ten times slower over gRPC (minutes), so that
// case runs at full size only without it.
const raceEnabled = true
