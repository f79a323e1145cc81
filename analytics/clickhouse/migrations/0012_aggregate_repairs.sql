-- The months whose aggregates a crash repair must rebuild, written before
-- the repair deletes anything and cleared after it rebuilt them, so that a
-- crash in the middle of a repair leaves them for the next one (the
-- deleted facts no longer say which months they touched).
CREATE TABLE IF NOT EXISTS aggregate_repairs (
    projection_name String,
    month UInt32,
    written_at DateTime
) ENGINE = MergeTree
ORDER BY (projection_name, month)
