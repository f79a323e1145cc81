-- The pre-aggregates of ClickHouse's migration 7, kept by Write in the
-- transaction of each batch (aggregates.go): the dashboard's summary
-- queries read these instead of scanning the facts.
--
-- agg_monthly: statements per month (YYYYMM of the local date), commune,
-- group, verb, activity type and course. A month key may have several rows
-- (one per batch, negative ones for facts voided or attributed again)
-- until Write compacts the table: read it with sum(statements) and GROUP BY.
CREATE TABLE agg_monthly (
    month INTEGER NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    verb VARCHAR NOT NULL,
    activity_type VARCHAR NOT NULL,
    course_id VARCHAR NOT NULL,
    statements BIGINT NOT NULL
);
-- agg_learner_months: per learner (pseudonym, never 0), month, commune,
-- group and course, the learner's non-voiding statements, certificates,
-- starts (launched or initialized), course completions and passes. Every
-- row is positive: a learner's rows are counted again from the facts when
-- a void or a directory change touches them, so a learner counts in a
-- filter exactly when one of the filter's rows has statements > 0 (the
-- same key may still have several rows until Write compacts the table).
CREATE TABLE agg_learner_months (
    month INTEGER NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    course_id VARCHAR NOT NULL,
    actor_id UBIGINT NOT NULL,
    statements BIGINT NOT NULL,
    certificates BIGINT NOT NULL,
    starts BIGINT NOT NULL,
    course_completions BIGINT NOT NULL,
    passes BIGINT NOT NULL
);
-- A row here asks Open to fill both tables from the facts (an upgrade of a
-- file written before this migration): Open does it in one transaction
-- with deleting the row. The counting rules live in aggregates.go only.
CREATE TABLE agg_fill_pending (pending BOOLEAN NOT NULL);
INSERT INTO agg_fill_pending VALUES (true);
-- agg_batch: the facts being counted into (or out of) the aggregates,
-- filled and emptied inside one Write transaction, so always empty
-- between them.
CREATE TABLE agg_batch (
    date DATE NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    verb VARCHAR NOT NULL,
    activity_type VARCHAR NOT NULL,
    course_id VARCHAR NOT NULL,
    actor_id UBIGINT NOT NULL
);
