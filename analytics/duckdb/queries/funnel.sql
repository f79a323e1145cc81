-- funnel: distinct learners at each stage, from agg_learner_months, as one
-- row that Query turns into one row per stage.
SELECT
    count(DISTINCT actor_id) FILTER (WHERE starts > 0) AS started,
    count(DISTINCT actor_id) FILTER (WHERE course_completions > 0) AS completed,
    count(DISTINCT actor_id) FILTER (WHERE passes > 0) AS passed,
    count(DISTINCT actor_id) FILTER (WHERE certificates > 0) AS certified
FROM agg_learner_months
WHERE month BETWEEN $first_month AND $last_month
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
