-- Attributing facts again when the learner directory changes
-- (docs/analytics.md, "Learner directory"). No personal data: learners and
-- households are pseudonyms (analytics.Attribution).
--
-- learner_attributions: the directory the facts were last attributed with,
-- replaced whole after each change.
CREATE TABLE IF NOT EXISTS learner_attributions (
    actor_id UInt64,
    commune String,
    target_group String,
    household_id UInt64,
    mentor String,
    team String,
    subgroups Array(String)
) ENGINE = MergeTree
ORDER BY actor_id
;
-- reattributions: the learners whose entry changed, with their new entry,
-- for the write that attributes their facts again.
CREATE TABLE IF NOT EXISTS reattributions (
    actor_id UInt64,
    commune String,
    target_group String,
    household_id UInt64,
    mentor String,
    team String,
    subgroups Array(String)
) ENGINE = MergeTree
ORDER BY actor_id
;
-- statements_reattributed: a month of statements rewritten with the new
-- attribution, then swapped into statements whole (REPLACE PARTITION;
-- commune and target_group are sorting-key columns, which ALTER UPDATE
-- cannot change). Same structure, partitioning and order as statements.
CREATE TABLE IF NOT EXISTS statements_reattributed AS statements
