// Package analytics is Hocvu's analytics contract: the facts (statements
// flattened without personal data) and the dimension rows an engine
// stores, the engine interfaces (Sink, the write side, which stores each
// fact exactly once with its checkpoint; Engine, which also answers
// queries), and a catalogue of named queries that every engine answers
// identically (Catalog, Params, Result).
//
// It knows nothing of xAPI statements, the LRS or the campaign's
// reference-data events: turning the statement log into facts is the job
// of the projector in projections/analyticsfacts. An engine therefore
// imports this package, eventstore (for checkpoints) and its driver, and
// nothing of lrs, schemas or projections.
//
// Engines: analytics/clickhouse (production, ClickHouse through
// clickhouse-go) and analytics/duckdb (the embedded default). Both pass the
// suite in analytics/analyticstest, which also checks every named query
// against a plain Go computation over the same statements.
//
// Privacy by construction: a Fact never holds a name, an email address or
// an account name. Learners (and households) appear as keyed pseudonyms
// (Pseudonymizer), HMAC-SHA256 of their identifier under a secret key, so
// distinct counts stay exact while nobody can reverse them without the
// key. Context extensions outside the campaign vocabulary keep their keys
// but not their values.
package analytics
