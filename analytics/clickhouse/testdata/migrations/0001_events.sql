-- Test data for the migration runner, not the analytics schema.
CREATE TABLE IF NOT EXISTS events (
    event_id String,
    actor String,
    verb Enum8('completed' = 1, 'attempted' = 2),
    ts DateTime,
    ms UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (actor, ts);
