-- funnel: distinct learners at each stage, as one row that Query turns
-- into one row per stage.
SELECT
    count(DISTINCT actor_id) FILTER (WHERE verb = $launched OR verb = $initialized) AS started,
    count(DISTINCT actor_id) FILTER (WHERE verb = $completed AND activity_type = $course_type) AS completed,
    count(DISTINCT actor_id) FILTER (WHERE verb = $passed) AS passed,
    count(DISTINCT actor_id) FILTER (WHERE verb = $earned AND activity_type = $certificate) AS certified
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND actor_id <> 0
