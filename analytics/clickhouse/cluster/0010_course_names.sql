-- Cluster counterpart of ../migrations/0010_course_names.sql: the course
-- dimension's names. Run once, on one node, after 0001_cluster.sql:
--   clickhouse-client --multiquery < 0010_course_names.sql
-- The names are few (per course and language) and read whole by every
-- query of the course dimension, so the table is not sharded: one replica
-- set over all nodes, like the reference data. The engine's crash repair
-- and reset act on it directly (../layout.go), as on one server.
CREATE TABLE IF NOT EXISTS hocvu.course_names ON CLUSTER hocvu (
    course_id String,
    lang String,
    name String,
    event_position UInt64
) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/hocvu/course_names', '{replica}', event_position)
ORDER BY (course_id, lang);

INSERT INTO hocvu.schema_migrations (version, name, applied_at)
SELECT v, 'cluster/0010_course_names.sql', now() FROM (SELECT arrayJoin([10]) AS v)
WHERE v NOT IN (SELECT version FROM hocvu.schema_migrations);
