-- Checkpoints move to analytics_checkpoints, whose column is projection_name:
-- ClickHouse 18.16 writes its table definitions with column names
-- unquoted, so a database that 18.16 made holds `projection String` in the
-- definition of projection_checkpoints, which no ClickHouse with table
-- projections (21.6 on) can read back: upgrading such a server would lose
-- the table. After this migration no definition holds a keyword as a name.
-- Only the checkpoint (the greatest position) of each projection is kept.
CREATE TABLE IF NOT EXISTS analytics_checkpoints (
    projection_name String,
    commit_position UInt64,
    prepare_position UInt64,
    written_at DateTime
) ENGINE = MergeTree
ORDER BY (projection_name, commit_position)
;
-- Made again, empty, when a run that died after the DROP below runs this
-- migration again, so that the copy finds its source.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    `projection` String,
    commit_position UInt64,
    prepare_position UInt64,
    written_at DateTime
) ENGINE = MergeTree
ORDER BY (`projection`, commit_position)
;
-- Guarded: copies only while analytics_checkpoints is empty, so running it
-- again adds nothing.
INSERT INTO analytics_checkpoints (projection_name, commit_position, prepare_position, written_at)
SELECT `projection`, max(commit_position), argMax(prepare_position, commit_position), max(written_at)
FROM projection_checkpoints
WHERE (SELECT count() FROM analytics_checkpoints) = 0
GROUP BY `projection`
;
DROP TABLE IF EXISTS projection_checkpoints
