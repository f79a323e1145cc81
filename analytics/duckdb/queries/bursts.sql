-- bursts: accounts with at least $threshold lesson completions within one
-- clock hour (of the UTC timestamp; Query renders the hour in local time
-- and the pseudonym in hex). Commune, the last sort key, only breaks ties
-- the catalogue leaves open.
SELECT
    commune,
    date_trunc('hour', timestamp) AS hour,
    actor_id,
    count(*) AS completions
FROM statements
WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND ($course = '' OR course_id = $course)
    AND verb = $completed AND activity_type = $lesson
GROUP BY commune, hour, actor_id
HAVING count(*) >= $threshold
ORDER BY completions DESC, hour, actor_id, commune
LIMIT 1000
