-- by_activity: statements and learners per verb and activity, voiding
-- statements left out.
SELECT
    verb,
    activity_type,
    object_id,
    count(*) AS statements,
    count(DISTINCT actor_id) FILTER (WHERE actor_id <> 0) AS learners
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND verb <> $voided
GROUP BY verb, activity_type, object_id
ORDER BY verb, activity_type, object_id
