// Package erasure records and carries out the erasure of a person
// (crypto-shredding, docs/privacy.md): an erasure is an event in the
// stream Stream naming the person only by their subject (the keyed hash
// of their identifier), followed by the destruction of every data key of
// that subject. The event comes first: a crash before the keys are
// destroyed is finished at the next start (Registry.Reconcile), and a
// restore of an older key store is erased again the same way. Read models
// act on the event (the statement index drops the person's postings).
package erasure
