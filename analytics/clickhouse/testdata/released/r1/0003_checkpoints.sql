-- Projection checkpoints: one row per written batch; the checkpoint of a
-- projection is its greatest position.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection String,
    commit_position UInt64,
    prepare_position UInt64,
    written_at DateTime
) ENGINE = MergeTree
ORDER BY (projection, commit_position)
