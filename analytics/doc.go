// Package analytics is Hocvu's analytics contract: statements flattened
// into facts without personal data, a projection that writes them into an
// analytics engine exactly once, and a catalogue of named queries that
// every engine answers identically.
//
// Engines: analytics/clickhouse (production, ClickHouse through
// clickhouse-go) and analytics/duckdb (the embedded default). Both pass the
// suite in analytics/analyticstest, which also checks every named query
// against a plain Go computation over the same statements.
//
// Privacy by construction: a Fact never holds a name, an email address or
// an account name. Learners (and households) appear as keyed pseudonyms,
// HMAC-SHA256 of their identifier under a secret key, so distinct counts
// stay exact while nobody can reverse them without the key. Context
// extensions outside the campaign vocabulary keep their keys but not their
// values.
package analytics
