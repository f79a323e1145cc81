-- Distinct learners per month, commune, group, verb, activity type and
-- course, as exact uniq states: merging them over any set of months gives
-- the exact number of distinct learners.
CREATE TABLE IF NOT EXISTS agg_learners_monthly (
    month UInt32,
    commune String,
    target_group String,
    verb String,
    activity_type String,
    course_id String,
    learners AggregateFunction(uniqExact, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY month
ORDER BY (month, commune, target_group, verb, activity_type, course_id)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_learners_monthly_mv TO agg_learners_monthly AS
SELECT toYYYYMM(date) AS month, commune, target_group, verb, activity_type, course_id,
    uniqExactStateIf(actor_id, actor_id != 0) AS learners
FROM statements
GROUP BY month, commune, target_group, verb, activity_type, course_id
