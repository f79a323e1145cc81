// Package privacy is the home of Hocvu's personal-data machinery: the key
// store that crypto-shredding stands on (privacy/keys) and, as issue 18
// proceeds, the sealing of personal fields and the erasure and export of a
// person's data. docs/privacy.md describes what is kept where.
//
// # Crypto-shredding
//
// Hocvu's log is append-only: an event, once acknowledged, is never
// rewritten, and read models are rebuilt from it. A person's data cannot be
// deleted from such a log, so it is never written there in clear. Each
// person (a subject, named by a keyed hash of their identifier, never the
// identifier itself) gets a random data key; their personal fields are
// encrypted under it before they reach the log, and the data key is kept
// apart from the log, in a key store that can truly destroy it. Erasing a
// person destroys their keys: the ciphertexts stay in the log, in read
// models, in snapshots and in backups, but nobody can open them any more.
// The log keeps its shape (every statement, every position, every
// aggregate), and only the personal fields become unreadable.
//
// The data keys are stored wrapped (encrypted) under a master key that
// never leaves the process's configuration, so a copy of the key store
// alone opens nothing. Losing the master key loses every personal field;
// a wrong one is refused at start (keys.ErrWrongMasterKey).
package privacy
