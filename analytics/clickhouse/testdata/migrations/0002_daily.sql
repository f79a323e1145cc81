-- Two statements, separated by a line holding only ";".
CREATE TABLE IF NOT EXISTS daily (
    day Date,
    actors AggregateFunction(uniq, String)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY day
;
-- The view feeds daily from every insert into events.
CREATE MATERIALIZED VIEW IF NOT EXISTS daily_mv TO daily AS
SELECT toDate(ts) AS day, uniqState(actor) AS actors
FROM events
GROUP BY day
