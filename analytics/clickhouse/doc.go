// Package clickhouse is the ClickHouse backend of the analytics contract and
// the only package of Hocvu that imports clickhouse-go (besides the test
// harness internal/chtest).
//
// [Open] connects with the native protocol to a DSN such as
// clickhouse://user:pass@host:9000/hocvu?dial_timeout=5s&secure=true (the
// query parameters are clickhouse-go's), creates the database when it is
// missing, and returns a [DB]. [DB.Migrate] applies the embedded migrations.
//
// # Supported servers
//
// Hocvu must run on ClickHouse 18.16 (Debian's clickhouse-server) and on
// current releases. Every query, migration and driver call in this package
// stays inside what both accept. The tests prove it on both: against a real
// 18.16 server (internal/chtest) and on ClickHouse 26.7 in-process
// (internal/chdbtest: the same engine code through a driver.Conn over
// chDB), including a differential test that moves a projected database
// from 18.16 to 26.7 and compares every named query. The facts behind these
// rules were measured against 18.16.1 with clickhouse-go v2.51 and chDB
// 26.7.2.
//
// Current servers differ from 18.16 where it matters here: they parse words
// that became keywords (projection) as keywords, so quote such identifiers;
// they fold SummingMergeTree rows at insert time (optimize_on_insert), so
// never count rows of the aggregate tables or rely on all-zero rows; they
// use the new analyzer.
//
// Driver:
//   - Native protocol only (clickhouse:// or tcp://). clickhouse-go over HTTP
//     cannot talk to 18.16; Open rejects http:// and https:// DSNs.
//   - Insert only with PrepareBatch("INSERT INTO t (c1, c2, …)") and an
//     explicit column list, in client-side batches of 10k–50k rows.
//   - Never Exec("INSERT … VALUES …"): on 18.16 it hangs until the read
//     timeout and writes nothing. Exec("INSERT … SELECT …") is fine.
//   - Settings passed through the driver (DSN parameters, WithSettings) must
//     be int or bool; Open rejects string-valued ones. Put string settings in
//     a SETTINGS clause of the SQL.
//   - Bind on the client: ?, $1 or clickhouse.Named with @x. No server-side
//     {p:Type} parameters. For IN, bind clickhouse.GroupSet (renders ('a','b'))
//     or use has(?, col), never a plain slice (renders ['a','b']).
//   - No async inserts. Scan into exactly the column's Go type: UInt32 into
//     *uint32, count() and uniq() into *uint64.
//
// Types: use String, Enum8, (U)IntN, Float64, Date, DateTime (seconds, plus a
// UInt16 millisecond column when needed), UUID, Array, Nullable, Nested,
// AggregateFunction. Do not use DateTime64, Map, Bool (use UInt8),
// IPv4/IPv6, LowCardinality, SimpleAggregateFunction, JSON, or CODEC.
//
// Tables: ENGINE = MergeTree, ReplacingMergeTree(ver), SummingMergeTree,
// AggregatingMergeTree or (Versioned)CollapsingMergeTree, always in the full
// form with PARTITION BY / ORDER BY / PRIMARY KEY / SAMPLE BY / SETTINGS
// index_granularity (never the legacy MergeTree(date, (key), 8192) form);
// MATERIALIZED VIEW … TO. No TTL, data-skipping INDEX, CODEC, CREATE
// DICTIONARY, ReplacingMergeTree(ver, is_deleted).
//
// Queries may use: toStartOfDay/Hour/Month/Quarter/Year, toMonday (no
// toStartOfWeek, toStartOfInterval or date_trunc), toYYYYMM, dateDiff,
// formatDateTime, parseDateTimeBestEffort(OrNull); uniq, uniqExact,
// uniqCombined, quantile(s), the -If/-State/-Merge combinators, argMax,
// groupArray, topK, arrayJoin and ARRAY JOIN, windowFunnel, retention,
// sequenceMatch; visitParamExtract* (no JSONExtract*); if, multiIf, CASE;
// WITH TOTALS/ROLLUP/CUBE, LIMIT BY, scalar WITH expr AS x, derived tables,
// IN subqueries and tuples; at most ONE JOIN per SELECT (ANY|ALL with
// LEFT|INNER|RIGHT|FULL, USING or ON equalities only; nest derived tables
// for more).
//
// Queries may not use: window functions (OVER), CTEs WITH t AS (SELECT …),
// a second JOIN, non-equality ON conditions, SEMI/ANTI joins, ILIKE,
// SELECT * EXCEPT, COLUMNS(), UNION DISTINCT/INTERSECT, true/false literals,
// GROUP BY 1, x IN ['a','b'], WITH FILL, EXPLAIN, lightweight DELETE FROM,
// ADD/DROP COLUMN IF [NOT] EXISTS, EXCHANGE TABLES, uniqCombined64,
// uniqTheta, xxHash64.
//
// Differences to keep in mind:
//   - Compare DateTime with full timestamps ('2024-02-01 00:00:00') or
//     toDate(ts) >= '2024-02-01'; 18.16 cannot compare a DateTime with a
//     date-only string.
//   - cityHash64(toString(uuid)), not cityHash64(uuid).
//   - Keep aliases distinct from column names (the new analyzer of modern
//     servers resolves them differently).
//   - ANY INNER JOIN keeps one row per key of the LEFT side too on modern
//     servers (18.16 kept every left row): use ALL INNER JOIN, or ANY
//     LEFT JOIN, whose meaning did not change.
//   - ReplacingMergeTree … FINAL is 25–35× slower than the plain query on
//     18.16: deduplicate in the projector instead.
//
// # Migrations
//
// Migrations are the files migrations/NNNN_name.sql embedded in the binary
// (NNNN: a decimal version ≥ 1, at least four digits; name: [a-z0-9_]).
// A file holds one statement, or several separated by a line that holds only
// ";". [DB.Migrate] applies, in version order, each migration whose version
// is not recorded in the table schema_migrations (version UInt32, name String,
// applied_at DateTime) of the database, and records it after its last
// statement succeeded. Migrations are only ever added, never renumbered,
// and edited only to make a statement parse on newer servers with the same
// effect, with a test that proves it (0003). A statement the server refuses
// stops the run with a [MigrationError] naming the file, the statement and
// the server's error; its migration stays unrecorded.
//
// Concurrency: a run holds a lock, the table schema_migrations_lock, which
// exists only while a run holds it (CREATE TABLE is atomic, so only one
// process creates it). Others wait for it, so two processes that start at
// once apply each migration once; the second finds nothing to do. The holder
// adds a heartbeat row every LockStaleAfter/4; a waiter that sees no new
// heartbeat for LockStaleAfter (a crashed holder) breaks the lock. When every
// migration is already recorded, Migrate returns without taking the lock.
//
// ClickHouse has no transactional DDL: a run that dies between a statement
// and the record of its migration runs the statement again next time. So
// every statement must be idempotent: CREATE TABLE/VIEW/DATABASE IF NOT
// EXISTS, DROP … IF EXISTS. 18.16 has no ADD/DROP COLUMN IF [NOT] EXISTS, so
// give an ALTER … ADD COLUMN a migration of its own; should it ever run twice,
// the error names the column and the migration can be recorded by hand.
package clickhouse
