// Package duckdb is the embedded analytics engine, Hocvu's default: DuckDB
// inside the process through github.com/duckdb/duckdb-go/v2 (cgo, the
// prebuilt DuckDB library), and the only package that imports it.
//
// # Where the data lives
//
// One file, by default <data-dir>/analytics.duckdb (cmd/hocvu picks the
// path), plus its write-ahead log analytics.duckdb.wal next to it while
// the engine runs. [Open] with path "" keeps everything in memory (tests).
// DuckDB locks the file, so one process at a time holds it, and [Open]
// refuses a second Engine on the same file within one process
// ([ErrInUse]). The file can always be rebuilt by replaying the log
// (projection reset): it holds nothing but facts derived from statements.
//
// # Guarantees
//
//   - Exactly once. [Engine.Write] appends a batch's facts, records its
//     voids, deletes the facts they void and moves the projection's
//     checkpoint in one transaction. DuckDB logs a transaction only when it
//     commits and replays committed transactions when the file is opened
//     again, so after a crash (even SIGKILL mid-batch) the file holds each
//     batch whole together with its checkpoint, or not at all. The
//     projection resumes from [Engine.Checkpoint], which therefore never has
//     anything to repair (the ClickHouse engine, without transactions, has
//     to).
//   - Voiding. The statements table holds only statements that count:
//     voiding statements stay (they cannot be voided), voided ones are
//     deleted when their void is written, and voided_statements remembers
//     every void so that [Engine.Voided] can tell the projection which
//     targets to skip should they arrive later.
//   - Answers. Every named query of analytics.Catalog is one SQL text
//     (queries/<name>.sql) over the pre-aggregates or the statements
//     table; results equal the
//     reference of analytics/analyticstest exactly (the contract suite runs
//     them under every parameter set). Queries read a consistent snapshot
//     and run concurrently with Write.
//   - Privacy. The schema has no column for a name, email or account:
//     learners and households are keyed pseudonyms (see package analytics).
//
// # Schema
//
// The embedded migrations/NNNN_name.sql, applied at [Open] in version order,
// each in one transaction with its row in schema_migrations (DuckDB DDL is
// transactional, so a migration is applied and recorded, or neither).
// Migrations are only ever added. Tables: statements (the columns of
// ClickHouse's statements; TIMESTAMP keeps the milliseconds that ClickHouse
// stores apart), voided_statements, projection_checkpoints (one row per
// projection), the dimension tables, learner_attributions (the learner
// directory the facts carry, as pseudonyms) and reattributions (a change
// set being applied: facts of changed learners are updated in the batch's
// transaction), and the pre-aggregates agg_monthly and agg_learner_months
// of ClickHouse's migration 7 with agg_batch, their work table (see
// aggregates.go and docs/analytics.md): Write keeps them in each batch's
// transaction, and the summary queries read them instead of the facts.
package duckdb
