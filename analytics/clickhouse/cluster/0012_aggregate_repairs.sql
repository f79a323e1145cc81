-- Cluster counterpart of ../migrations/0012_aggregate_repairs.sql: the
-- months a crash repair must rebuild. Run once, on one node, after the
-- earlier files of this folder:
--   clickhouse-client --multiquery < 0012_aggregate_repairs.sql
-- Small and replicated on every node, like the checkpoints.
CREATE TABLE IF NOT EXISTS hocvu.aggregate_repairs ON CLUSTER hocvu (
    projection_name String, month UInt32, written_at DateTime
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/aggregate_repairs', '{replica}')
ORDER BY (projection_name, month);

INSERT INTO hocvu.schema_migrations (version, name, applied_at)
SELECT v, 'cluster/0012_aggregate_repairs.sql', now() FROM (SELECT arrayJoin([12]) AS v)
WHERE v NOT IN (SELECT version FROM hocvu.schema_migrations);
