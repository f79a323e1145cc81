-- Projection checkpoints: one row per written batch; the checkpoint of a
-- projection is its greatest position. (Replaced by analytics_checkpoints
-- in migration 8.)
--
-- Edited after release: the column name `projection` is quoted, because
-- every ClickHouse with table projections (21.6 on) parses an unquoted
-- `projection` in a column list as the start of a PROJECTION clause. The
-- quotes change nothing on 18.16 (the same table, the same recorded
-- version; TestMigration3EditedTextEqualsReleased proves it).
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    `projection` String,
    commit_position UInt64,
    prepare_position UInt64,
    written_at DateTime
) ENGINE = MergeTree
ORDER BY (`projection`, commit_position)
