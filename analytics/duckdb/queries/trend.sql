-- trend: the summary per month (YYYY-MM, the local month), from the
-- pre-aggregates as in summary.sql.
WITH counts AS (
    SELECT
        month AS k,
        sum(statements)::BIGINT AS statements,
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
    GROUP BY k
    HAVING sum(statements) > 0
), learners AS (
    SELECT
        month AS k,
        count(DISTINCT actor_id) AS learners,
        count(DISTINCT actor_id) FILTER (WHERE certificates > 0) AS certified_learners
    FROM agg_learner_months
    WHERE month BETWEEN $first_month AND $last_month
        AND ($commune = '' OR commune = $commune)
        AND ($target_group = '' OR target_group = $target_group)
        AND ($course = '' OR course_id = $course)
        AND statements > 0
    GROUP BY k
)
SELECT
    printf('%04d-%02d', k // 100, k % 100) AS month,
    c.statements,
    coalesce(l.learners, 0) AS learners,
    c.lesson_completions, c.passes, c.fails, c.certificates,
    coalesce(l.certified_learners, 0) AS certified_learners
FROM counts c LEFT JOIN learners l USING (k)
ORDER BY month
