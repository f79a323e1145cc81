-- Clustered layout of the Hocvu analytics tables (see README.md). Run once,
-- on one node: clickhouse-client --multiquery < 0001_cluster.sql
-- Equivalent to the single-server migrations 1-8 of ../migrations/.
CREATE DATABASE IF NOT EXISTS hocvu ON CLUSTER hocvu;

CREATE TABLE IF NOT EXISTS hocvu.statements_local ON CLUSTER hocvu (
    event_position UInt64, event_prepare UInt64, statement_id String,
    stored DateTime, stored_ms UInt16, timestamp DateTime, timestamp_ms UInt16, date Date,
    verb String, object_id String, object_type String, activity_type String, course_id String,
    registration String, actor_id UInt64, result_success Int8, result_completion Int8,
    has_score UInt8, score_scaled Float64, score_raw Float64, duration_seconds Float64, expected_seconds Float64,
    platform String, language String, province String, commune String, target_group String,
    subgroups Array(String), household_id UInt64, team String, mentor String,
    ext_keys Array(String)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/hocvu/statements', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (date, verb, commune, target_group, object_id);

CREATE TABLE IF NOT EXISTS hocvu.statements ON CLUSTER hocvu AS hocvu.statements_local
ENGINE = Distributed(hocvu, hocvu, statements_local, cityHash64(statement_id));

CREATE TABLE IF NOT EXISTS hocvu.voided_statements_local ON CLUSTER hocvu (
    statement_id String, voided_by String, event_position UInt64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/hocvu/voided_statements', '{replica}')
ORDER BY statement_id;

-- Sharded by the voided statement's id: a void lives on the shard of the
-- fact it voids.
CREATE TABLE IF NOT EXISTS hocvu.voided_statements ON CLUSTER hocvu AS hocvu.voided_statements_local
ENGINE = Distributed(hocvu, hocvu, voided_statements_local, cityHash64(statement_id));

CREATE VIEW IF NOT EXISTS hocvu.statements_valid ON CLUSTER hocvu AS
SELECT * FROM hocvu.statements
WHERE NOT (statement_id GLOBAL IN (SELECT statement_id FROM hocvu.voided_statements) AND verb != 'http://adlnet.gov/expapi/verbs/voided');

-- Checkpoints and reference data: small, replicated on every node (one
-- replica set, path .../all/...), written and read through whichever node
-- Hocvu connects to. Their mutations and truncations replicate by
-- themselves.
CREATE TABLE IF NOT EXISTS hocvu.analytics_checkpoints ON CLUSTER hocvu (
    projection_name String, commit_position UInt64, prepare_position UInt64, written_at DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/analytics_checkpoints', '{replica}')
ORDER BY (projection_name, commit_position);

CREATE TABLE IF NOT EXISTS hocvu.dim_communes ON CLUSTER hocvu (
    code String, name String, kind String, district String, area_types Array(String)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/dim_communes', '{replica}')
ORDER BY code;

CREATE TABLE IF NOT EXISTS hocvu.dim_population ON CLUSTER hocvu (
    commune String, target_group String, people UInt64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/dim_population', '{replica}')
ORDER BY (commune, target_group);

CREATE TABLE IF NOT EXISTS hocvu.dim_targets ON CLUSTER hocvu (
    year UInt16, commune String, target_group String, metric String, value Float64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/dim_targets', '{replica}')
ORDER BY (year, commune, target_group, metric);

CREATE TABLE IF NOT EXISTS hocvu.dim_teams ON CLUSTER hocvu (
    id String, commune String, name String, members UInt64
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/dim_teams', '{replica}')
ORDER BY id;

CREATE TABLE IF NOT EXISTS hocvu.dim_mentors ON CLUSTER hocvu (
    id String, commune String, team String, label String
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/dim_mentors', '{replica}')
ORDER BY id;

-- Aggregates: each shard's materialized views fill its local aggregate
-- tables from its own facts, so their rows follow the facts' sharding. The
-- Distributed tables over them take only the projector's rebuild inserts
-- (the months a void or a repair touched), spread with rand(); every query
-- sums or counts distinct over all shards, so where a row lives never
-- changes an answer.
CREATE TABLE IF NOT EXISTS hocvu.agg_daily_local ON CLUSTER hocvu (
    date Date, commune String, target_group String, verb String, activity_type String,
    course_id String, object_id String,
    statements UInt64, successes UInt64, completions UInt64, duration_seconds Float64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/hocvu/agg_daily', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (date, commune, target_group, verb, activity_type, course_id, object_id);

CREATE TABLE IF NOT EXISTS hocvu.agg_daily ON CLUSTER hocvu AS hocvu.agg_daily_local
ENGINE = Distributed(hocvu, hocvu, agg_daily_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS hocvu.agg_daily_mv ON CLUSTER hocvu TO hocvu.agg_daily_local AS
SELECT date, commune, target_group, verb, activity_type, course_id, object_id,
    count() AS statements, countIf(result_success = 1) AS successes,
    countIf(result_completion = 1) AS completions,
    sum(if(duration_seconds > 0, duration_seconds, 0)) AS duration_seconds
FROM hocvu.statements_local
GROUP BY date, commune, target_group, verb, activity_type, course_id, object_id;

CREATE TABLE IF NOT EXISTS hocvu.agg_monthly_local ON CLUSTER hocvu (
    month UInt32, commune String, target_group String, verb String, activity_type String, course_id String,
    statements UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/hocvu/agg_monthly', '{replica}')
PARTITION BY month
ORDER BY (month, commune, target_group, verb, activity_type, course_id);

CREATE TABLE IF NOT EXISTS hocvu.agg_monthly ON CLUSTER hocvu AS hocvu.agg_monthly_local
ENGINE = Distributed(hocvu, hocvu, agg_monthly_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS hocvu.agg_monthly_mv ON CLUSTER hocvu TO hocvu.agg_monthly_local AS
SELECT toYYYYMM(date) AS month, commune, target_group, verb, activity_type, course_id, count() AS statements
FROM hocvu.statements_local
GROUP BY month, commune, target_group, verb, activity_type, course_id;

CREATE TABLE IF NOT EXISTS hocvu.agg_learner_months_local ON CLUSTER hocvu (
    month UInt32, commune String, target_group String, course_id String, actor_id UInt64,
    statements UInt64, certificates UInt64, starts UInt64, course_completions UInt64, passes UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/hocvu/agg_learner_months', '{replica}')
PARTITION BY month
ORDER BY (month, commune, target_group, course_id, actor_id);

-- A learner may have rows on several shards; uniqExactIf over the
-- Distributed table merges the shards' sets, so each counts once.
CREATE TABLE IF NOT EXISTS hocvu.agg_learner_months ON CLUSTER hocvu AS hocvu.agg_learner_months_local
ENGINE = Distributed(hocvu, hocvu, agg_learner_months_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS hocvu.agg_learner_months_mv ON CLUSTER hocvu TO hocvu.agg_learner_months_local AS
SELECT toYYYYMM(date) AS month, commune, target_group, course_id, actor_id,
    countIf(verb != 'http://adlnet.gov/expapi/verbs/voided') AS statements,
    countIf(verb = 'https://w3id.org/hocvu/xapi/verbs/earned' AND activity_type = 'https://w3id.org/hocvu/xapi/activity-types/certificate') AS certificates,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/launched' OR verb = 'http://adlnet.gov/expapi/verbs/initialized') AS starts,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/completed' AND activity_type = 'http://adlnet.gov/expapi/activities/course') AS course_completions,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/passed') AS passes
FROM hocvu.statements_local
WHERE actor_id != 0
GROUP BY month, commune, target_group, course_id, actor_id;

-- The migration log, on every node, recording the single-server migrations
-- this file replaces, so that `hocvu` applies none of them over it.
CREATE TABLE IF NOT EXISTS hocvu.schema_migrations ON CLUSTER hocvu (
    version UInt32, name String, applied_at DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/schema_migrations', '{replica}')
ORDER BY version;

INSERT INTO hocvu.schema_migrations (version, name, applied_at)
SELECT v, 'cluster/0001_cluster.sql', now() FROM (SELECT arrayJoin([1, 2, 3, 4, 5, 6, 7, 8]) AS v)
WHERE v NOT IN (SELECT version FROM hocvu.schema_migrations);
