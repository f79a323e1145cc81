-- Cluster counterpart of ../migrations/0011_learner_attributions.sql:
-- attributing facts again when the learner directory changes. Run once, on
-- one node, after 0001_cluster.sql:
--   clickhouse-client --multiquery < 0011_learner_attributions.sql
-- The directory tables are small and replicated on every node, like the
-- reference data. The rewritten months are sharded as the facts are (by
-- statement id), so that each rewritten row lands on the shard of its fact
-- and REPLACE PARTITION swaps it in there, ON CLUSTER (../layout.go).
CREATE TABLE IF NOT EXISTS hocvu.learner_attributions ON CLUSTER hocvu (
    actor_id UInt64, commune String, target_group String, household_id UInt64,
    mentor String, team String, subgroups Array(String)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/learner_attributions', '{replica}')
ORDER BY actor_id;

CREATE TABLE IF NOT EXISTS hocvu.reattributions ON CLUSTER hocvu (
    actor_id UInt64, commune String, target_group String, household_id UInt64,
    mentor String, team String, subgroups Array(String)
) ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/hocvu/reattributions', '{replica}')
ORDER BY actor_id;

CREATE TABLE IF NOT EXISTS hocvu.statements_reattributed_local ON CLUSTER hocvu AS hocvu.statements_local
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/hocvu/statements_reattributed', '{replica}')
PARTITION BY toYYYYMM(date)
ORDER BY (date, verb, commune, target_group, object_id);

CREATE TABLE IF NOT EXISTS hocvu.statements_reattributed ON CLUSTER hocvu AS hocvu.statements_reattributed_local
ENGINE = Distributed(hocvu, hocvu, statements_reattributed_local, cityHash64(statement_id));

INSERT INTO hocvu.schema_migrations (version, name, applied_at)
SELECT v, 'cluster/0011_learner_attributions.sql', now() FROM (SELECT arrayJoin([11]) AS v)
WHERE v NOT IN (SELECT version FROM hocvu.schema_migrations);
