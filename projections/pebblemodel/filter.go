package pebblemodel

import (
	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
)

// bitsPerKey sizes the bloom filters: about 1% false positives.
const bitsPerKey = 10

// PointKeys names the keys that a read model looks up one at a time
// (Get), so that only they go into the sstables' bloom filters. A read
// model whose keys are mostly scanned, never looked up (the statement
// index's posting lists and records), keeps its filters small that way:
// less to hash in every flush and compaction, and less to read into the
// block cache for each table a lookup visits (docs/benchmarks.md, "The
// duplicate check", which also says what this did not cure).
type PointKeys struct {
	// Name identifies Holds in the sstables (with the filter's name): a
	// new Holds needs a new Name, or tables written under the old one
	// would be read with the new one.
	Name string
	// Holds reports whether key goes into the filters. Lookups of other
	// keys read the table as if it had no filter.
	Holds func(key []byte) bool
}

// pointKeyFilter is a bloom filter over the keys of PointKeys only.
type pointKeyFilter struct {
	keys  PointKeys
	bloom bloom.FilterPolicy
}

var _ pebble.FilterPolicy = pointKeyFilter{}

func (f pointKeyFilter) Name() string { return "hocvu.pointkeys." + f.keys.Name + "." + f.bloom.Name() }

func (f pointKeyFilter) MayContain(t pebble.FilterType, filter, key []byte) bool {
	if !f.keys.Holds(key) {
		return true
	}
	return f.bloom.MayContain(t, filter, key)
}

func (f pointKeyFilter) NewWriter(t pebble.FilterType) pebble.FilterWriter {
	return pointKeyWriter{holds: f.keys.Holds, w: f.bloom.NewWriter(t)}
}

type pointKeyWriter struct {
	holds func([]byte) bool
	w     pebble.FilterWriter
}

func (w pointKeyWriter) AddKey(key []byte) {
	if w.holds(key) {
		w.w.AddKey(key)
	}
}

func (w pointKeyWriter) Finish(buf []byte) []byte { return w.w.Finish(buf) }

// setFilters gives every level the bloom filter of keys (of every key when
// keys.Holds is nil), and lets tables written under the other policy keep
// their filters until compactions rewrite them.
func setFilters(opts *pebble.Options, keys PointKeys) {
	all := bloom.FilterPolicy(bitsPerKey)
	var policy pebble.FilterPolicy = all
	if keys.Holds != nil {
		policy = pointKeyFilter{keys: keys, bloom: all}
	}
	opts.Filters = map[string]pebble.FilterPolicy{all.Name(): all, policy.Name(): policy}
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = policy
		opts.Levels[i].FilterType = pebble.TableFilter
	}
}
