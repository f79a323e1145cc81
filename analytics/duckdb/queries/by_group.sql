-- by_group: the summary per target group: "" when not known, $unknown for
-- a value outside the vocabulary ($groups).
SELECT
    CASE WHEN target_group = '' OR list_contains($groups, target_group) THEN target_group ELSE $unknown END AS group_key,
    count(*) AS statements,
    count(DISTINCT actor_id) FILTER (WHERE actor_id <> 0) AS learners,
    count(*) FILTER (WHERE verb = $completed AND activity_type = $lesson) AS lesson_completions,
    count(*) FILTER (WHERE verb = $passed) AS passes,
    count(*) FILTER (WHERE verb = $failed) AS fails,
    count(*) FILTER (WHERE verb = $earned AND activity_type = $certificate) AS certificates,
    count(DISTINCT actor_id) FILTER (WHERE actor_id <> 0 AND verb = $earned AND activity_type = $certificate) AS certified_learners
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND verb <> $voided
GROUP BY group_key
ORDER BY group_key
