-- Smaller pre-aggregates for the dashboard's summary queries (measured in
-- docs/benchmarks.md): agg_daily keeps the day and the activity and is
-- almost as large as statements, and merging the uniqExact states of
-- agg_learners_monthly costs about as much as counting the facts.
--
-- agg_monthly: statements per month, commune, group, verb, activity type
-- and course. Query it with sum(statements) and GROUP BY.
CREATE TABLE IF NOT EXISTS agg_monthly (
    month UInt32,
    commune String,
    target_group String,
    verb String,
    activity_type String,
    course_id String,
    statements UInt64
) ENGINE = SummingMergeTree
PARTITION BY month
ORDER BY (month, commune, target_group, verb, activity_type, course_id)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_monthly_mv TO agg_monthly AS
SELECT toYYYYMM(date) AS month, commune, target_group, verb, activity_type, course_id,
    count() AS statements
FROM statements
GROUP BY month, commune, target_group, verb, activity_type, course_id
;
-- agg_learner_months: one row per learner (pseudonym), month, commune,
-- group and course, with the learner's non-voiding statements,
-- certificates, starts (launched or initialized), course completions and
-- passes there. Distinct learners over any months and filters are
-- uniqExactIf(actor_id, statements > 0): exact, over plain integers.
CREATE TABLE IF NOT EXISTS agg_learner_months (
    month UInt32,
    commune String,
    target_group String,
    course_id String,
    actor_id UInt64,
    statements UInt64,
    certificates UInt64,
    starts UInt64,
    course_completions UInt64,
    passes UInt64
) ENGINE = SummingMergeTree
PARTITION BY month
ORDER BY (month, commune, target_group, course_id, actor_id)
;
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_learner_months_mv TO agg_learner_months AS
SELECT toYYYYMM(date) AS month, commune, target_group, course_id, actor_id,
    countIf(verb != 'http://adlnet.gov/expapi/verbs/voided') AS statements,
    countIf(verb = 'https://w3id.org/hocvu/xapi/verbs/earned' AND activity_type = 'https://w3id.org/hocvu/xapi/activity-types/certificate') AS certificates,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/launched' OR verb = 'http://adlnet.gov/expapi/verbs/initialized') AS starts,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/completed' AND activity_type = 'http://adlnet.gov/expapi/activities/course') AS course_completions,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/passed') AS passes
FROM statements
WHERE actor_id != 0
GROUP BY month, commune, target_group, course_id, actor_id
;
-- Fill both from the facts already there (an upgrade; empty on a new
-- database). Guarded so that running this migration again adds nothing.
INSERT INTO agg_monthly (month, commune, target_group, verb, activity_type, course_id, statements)
SELECT toYYYYMM(date) AS month, commune, target_group, verb, activity_type, course_id, count()
FROM statements_valid
WHERE (SELECT count() FROM agg_monthly) = 0
GROUP BY month, commune, target_group, verb, activity_type, course_id
;
INSERT INTO agg_learner_months (month, commune, target_group, course_id, actor_id, statements, certificates, starts, course_completions, passes)
SELECT toYYYYMM(date) AS month, commune, target_group, course_id, actor_id,
    countIf(verb != 'http://adlnet.gov/expapi/verbs/voided') AS statements,
    countIf(verb = 'https://w3id.org/hocvu/xapi/verbs/earned' AND activity_type = 'https://w3id.org/hocvu/xapi/activity-types/certificate') AS certificates,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/launched' OR verb = 'http://adlnet.gov/expapi/verbs/initialized') AS starts,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/completed' AND activity_type = 'http://adlnet.gov/expapi/activities/course') AS course_completions,
    countIf(verb = 'http://adlnet.gov/expapi/verbs/passed') AS passes
FROM statements_valid
WHERE actor_id != 0 AND (SELECT count() FROM agg_learner_months) = 0
GROUP BY month, commune, target_group, course_id, actor_id
;
-- Superseded by agg_learner_months.
DROP TABLE IF EXISTS agg_learners_monthly_mv
;
DROP TABLE IF EXISTS agg_learners_monthly
