package pebblemodel

import "github.com/cockroachdb/pebble/v2"

// Iter walks keys in order within the bounds it was made with. Key and
// Value are valid until the next move or Close.
type Iter struct{ it *pebble.Iterator }

// First moves to the first key; it reports whether there is one.
func (i *Iter) First() bool { return i.it.First() }

// Next moves to the next key; it reports whether there is one.
func (i *Iter) Next() bool { return i.it.Next() }

// SeekGE moves to the first key >= key; it reports whether there is one.
func (i *Iter) SeekGE(key []byte) bool { return i.it.SeekGE(key) }

// SeekLT moves to the last key < key; it reports whether there is one.
func (i *Iter) SeekLT(key []byte) bool { return i.it.SeekLT(key) }

// Key is the current key.
func (i *Iter) Key() []byte { return i.it.Key() }

// Value is the current value.
func (i *Iter) Value() []byte { return i.it.Value() }

// Error is the error that stopped the iteration, if any.
func (i *Iter) Error() error { return i.it.Error() }

// Close releases the iterator and returns its error, if any.
func (i *Iter) Close() error { return i.it.Close() }
