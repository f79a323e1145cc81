-- fast_completions: lesson completions per commune and course, and how
-- many took less than a quarter of the lesson's nominal length.
SELECT
    commune,
    course_id,
    count(*) AS completions,
    count(*) FILTER (WHERE duration_seconds >= 0 AND expected_seconds > 0 AND duration_seconds * 4 < expected_seconds) AS fast_completions
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND verb = $completed AND activity_type = $lesson
GROUP BY commune, course_id
ORDER BY commune, course_id
