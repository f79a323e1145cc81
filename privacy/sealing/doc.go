// Package sealing encrypts the people in an xAPI statement, one person at a
// time, so that destroying a person's key erases them from every copy of
// the statement at once: the log, the read models, snapshots and backups
// made afterwards (crypto-shredding, docs/privacy.md).
//
// Seal replaces each Agent and identified Group of a statement (the actor,
// an Agent or Group object, the instructor, the team, xAPI 2.0 context
// agents and groups, the members of groups, and the same inside a
// SubStatement) by a sealed agent:
//
//	{"objectType": "Agent", "hocvu:sealed": {"s": SUBJECT, "k": KEY-ID, "c": CIPHERTEXT}}
//
// SUBJECT is the keyed hash of the agent's identifier (Keys.Subject); read
// models index by it without opening anything. The ciphertext is the
// agent's own JSON (its identifier and name; a Group's members are sealed
// one by one, each under its own person's key) under the subject's data
// key, with the subject as additional data. The statement's authority (a
// credential, not a learner) and everything else are kept as they are.
//
// Open restores the statement as it was stored. A sealed agent whose key
// was destroyed opens as a placeholder: an account on ErasedHomePage named
// by the key id, stable for every statement of that person, so history,
// voiding and counts of distinct people stay as they were. A statement
// with nothing sealed (written before sealing existed) opens unchanged.
package sealing
