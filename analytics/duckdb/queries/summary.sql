-- summary: totals over the period, from the pre-aggregates: the counts
-- from agg_monthly, the distinct learners from agg_learner_months.
-- Voiding statements count nowhere (the statements they void are already
-- counted out).
WITH counts AS (
    SELECT
        coalesce(sum(statements), 0)::BIGINT AS statements,
        coalesce(sum(statements) FILTER (WHERE verb = $completed AND activity_type = $lesson), 0)::BIGINT AS lesson_completions,
        coalesce(sum(statements) FILTER (WHERE verb = $passed), 0)::BIGINT AS passes,
        coalesce(sum(statements) FILTER (WHERE verb = $failed), 0)::BIGINT AS fails,
        coalesce(sum(statements) FILTER (WHERE verb = $earned AND activity_type = $certificate), 0)::BIGINT AS certificates
    FROM agg_monthly
    WHERE month BETWEEN $first_month AND $last_month
        AND ($commune = '' OR commune = $commune)
        AND ($target_group = '' OR target_group = $target_group)
        AND ($course = '' OR course_id = $course)
        AND verb <> $voided
), learners AS (
    SELECT
        count(DISTINCT actor_id) AS learners,
        count(DISTINCT actor_id) FILTER (WHERE certificates > 0) AS certified_learners
    FROM agg_learner_months
    WHERE month BETWEEN $first_month AND $last_month
        AND ($commune = '' OR commune = $commune)
        AND ($target_group = '' OR target_group = $target_group)
        AND ($course = '' OR course_id = $course)
        AND statements > 0
)
SELECT c.statements, l.learners, c.lesson_completions, c.passes, c.fails, c.certificates, l.certified_learners
FROM counts c, learners l
