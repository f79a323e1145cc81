-- fast_completions: lesson completions per commune (mapped as in
-- by_commune) and course, how many took less than a quarter of the
-- lesson's nominal length (the statement's own expected-duration), and how
-- many could not be checked (no duration or no nominal length).
SELECT
    CASE WHEN commune = '' OR commune IN (SELECT code FROM dim_communes) OR NOT EXISTS (SELECT 1 FROM dim_communes)
        THEN commune ELSE $unknown END AS commune_key,
    course_id,
    count(*) AS completions,
    count(*) FILTER (WHERE duration_seconds >= 0 AND expected_seconds > 0 AND duration_seconds * 4 < expected_seconds) AS fast_completions,
    count(*) FILTER (WHERE NOT (duration_seconds >= 0 AND expected_seconds > 0)) AS unchecked
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND verb = $completed AND activity_type = $lesson
GROUP BY commune_key, course_id
ORDER BY commune_key, course_id
