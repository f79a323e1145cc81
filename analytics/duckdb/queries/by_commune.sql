-- by_commune: the summary per commune/ward code: "" when neither the
-- statement nor the learner directory names one, $unknown for a code that
-- the reference data does not list (once communes are loaded), so that a
-- statement cannot make up rows of its own.
SELECT
    CASE WHEN commune = '' OR commune IN (SELECT code FROM dim_communes) OR NOT EXISTS (SELECT 1 FROM dim_communes)
        THEN commune ELSE $unknown END AS commune_key,
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
GROUP BY commune_key
ORDER BY commune_key
