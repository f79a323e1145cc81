-- Daily counts per commune, group, verb and activity: what dashboards sum.
CREATE TABLE IF NOT EXISTS agg_daily (
    date Date,
    commune String,
    target_group String,
    verb String,
    activity_type String,
    course_id String,
    object_id String,
    statements UInt64,
    successes UInt64,
    completions UInt64,
    duration_seconds Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (date, commune, target_group, verb, activity_type, course_id, object_id)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_daily_mv TO agg_daily AS
SELECT date, commune, target_group, verb, activity_type, course_id, object_id,
    count() AS statements,
    countIf(result_success = 1) AS successes,
    countIf(result_completion = 1) AS completions,
    sum(if(duration_seconds > 0, duration_seconds, 0)) AS duration_seconds
FROM statements
GROUP BY date, commune, target_group, verb, activity_type, course_id, object_id
