package statementindex

import (
	"fmt"

	"github.com/bits-and-blooms/bloom/v3"
	"github.com/google/uuid"
)

// Every statement, as it is applied, asks whether a StatementRef pointed
// to it before it arrived (refsTo). Almost none did, and that question was
// a Pebble lookup per statement: 15% of the CPU of a rebuild
// (docs/benchmarks.md, "Rebuilding the statement index"). refTargets
// answers "certainly not" from memory for nearly all of them.
//
// It is a bloom filter of fixed size (1 MiB: about 1% false positives up
// to 870,000 referenced statements, more beyond), so its memory does not
// grow with the log; a false positive costs only the lookup it replaces.
const (
	refTargetBits   = 8 << 20
	refTargetHashes = 7
)

type refTargets struct{ f *bloom.BloomFilter }

func newRefTargets() refTargets {
	return refTargets{f: bloom.New(refTargetBits, refTargetHashes)}
}

// add notes that a StatementRef points to target.
func (r refTargets) add(target uuid.UUID) { r.f.Add(target[:]) }

// mayHave reports whether a StatementRef may point to target; false is
// certain.
func (r refTargets) mayHave(target uuid.UUID) bool { return r.f.Test(target[:]) }

// loadRefTargets fills a new filter from the index's reference markers.
func (ix *Index) loadRefTargets() error {
	r := newRefTargets()
	if err := ix.eachMarked(tagRefMarker, r.add); err != nil {
		return fmt.Errorf("statementindex: load references: %w", err)
	}
	ix.refTargets = r
	return nil
}
