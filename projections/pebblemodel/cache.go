package pebblemodel

import "github.com/cockroachdb/pebble/v2"

// Cache is a Pebble block cache that several read models share, so that
// their blocks compete for one bounded amount of memory (the read models'
// share of the memory budget, internal/membudget) instead of each having
// its own. Pass it in Options.Cache to every Open; each open database
// holds a reference of its own, so Close may be called as soon as the
// databases are open, and the memory is freed when the last one closes.
type Cache struct{ c *pebble.Cache }

// NewCache returns a cache of size bytes.
func NewCache(size int64) *Cache { return &Cache{c: pebble.NewCache(size)} }

// Close drops the caller's reference. Call it once.
func (c *Cache) Close() { c.c.Unref() }

// Size returns the capacity of the cache in bytes.
func (c *Cache) Size() int64 { return c.c.MaxSize() }

// pebble returns the Pebble cache, nil for a nil Cache.
func (c *Cache) pebble() *pebble.Cache {
	if c == nil {
		return nil
	}
	return c.c
}

// Memory is a read model's share of the memory budget: the shared block
// cache and its memtable size. The zero value leaves both to the read
// model's defaults.
type Memory struct {
	// Cache is the shared block cache; nil for one of the database's own.
	Cache *Cache
	// MemTableSize is the memtable size in bytes; 0 for the read model's
	// default.
	MemTableSize uint64
}
