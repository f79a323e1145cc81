-- bursts: accounts with at least $threshold lesson completions within one
-- clock hour (of the UTC timestamp; Query renders the hour in local time
-- and the pseudonym in hex). Anonymous groups (actor 0) are no account and
-- are left out. The $limit largest, with the number of all bursts in the
-- last column (taken off by Query). Commune (mapped as in by_commune), the
-- last sort key, only breaks ties the catalogue leaves open.
SELECT
    commune_key,
    hour,
    actor_id,
    completions,
    count(*) OVER () AS total
FROM (
    SELECT
        CASE WHEN commune = '' OR commune IN (SELECT code FROM dim_communes) OR NOT EXISTS (SELECT 1 FROM dim_communes)
            THEN commune ELSE $unknown END AS commune_key,
        date_trunc('hour', timestamp) AS hour,
        actor_id,
        count(*) AS completions
    FROM statements
    WHERE date BETWEEN $first_day::DATE AND $last_day::DATE
        AND ($commune = '' OR commune = $commune)
        AND ($target_group = '' OR target_group = $target_group)
        AND ($course = '' OR course_id = $course)
        AND verb = $completed AND activity_type = $lesson
        AND actor_id <> 0
    GROUP BY commune_key, hour, actor_id
    HAVING count(*) >= $threshold
)
ORDER BY completions DESC, hour, actor_id, commune_key
LIMIT $limit
