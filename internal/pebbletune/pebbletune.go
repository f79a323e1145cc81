// Package pebbletune holds the Pebble settings Hocvu's stores share (the
// event store and the local read models): bloom filters on every level,
// because their hot reads are point lookups of keys that usually do not
// exist (is this statement id known? was it voided before it arrived?),
// which a filter answers without reading a block.
package pebbletune

import (
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// Apply sets the shared settings on o.
func Apply(o *pebble.Options) {
	for i := range o.Levels {
		o.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		o.Levels[i].FilterType = pebble.TableFilter
	}
}
