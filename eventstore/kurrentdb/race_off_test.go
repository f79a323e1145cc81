//go:build !race

package kurrentdb_test

const raceEnabled = false
