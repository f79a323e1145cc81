-- Reference data (dimension tables), replaced whole when the campaign's
-- reference data change: communes and wards, the population of each
-- target group (the denominators), yearly targets, community teams and
-- digital ambassadors. No personal data: the learner directory stays out.
CREATE TABLE IF NOT EXISTS dim_communes (
    code String,
    name String,
    kind String,
    district String,
    area_types Array(String)
) ENGINE = MergeTree
ORDER BY code
;
CREATE TABLE IF NOT EXISTS dim_population (
    commune String,
    target_group String,
    people UInt64
) ENGINE = MergeTree
ORDER BY (commune, target_group)
;
CREATE TABLE IF NOT EXISTS dim_targets (
    year UInt16,
    commune String,
    target_group String,
    metric String,
    value Float64
) ENGINE = MergeTree
ORDER BY (year, commune, target_group, metric)
;
CREATE TABLE IF NOT EXISTS dim_teams (
    id String,
    commune String,
    name String,
    members UInt64
) ENGINE = MergeTree
ORDER BY id
;
CREATE TABLE IF NOT EXISTS dim_mentors (
    id String,
    commune String,
    team String,
    label String
) ENGINE = MergeTree
ORDER BY id
