-- vneid: people confirmed on the VNeID platform (an "earned" statement on
-- a VNeID confirmation activity) from the start of the campaign to the end
-- of the period, per target group (mapped as in by_group).
SELECT
    CASE WHEN target_group = '' OR list_contains($groups, target_group) THEN target_group ELSE $unknown END AS group_key,
    count(DISTINCT actor_id) AS confirmed_learners
FROM statements
WHERE date <= $last_day::DATE
    AND ($commune = '' OR commune = $commune)
    AND ($target_group = '' OR target_group = $target_group)
    AND verb = $earned AND activity_type = $vneid
    AND actor_id <> 0
GROUP BY group_key
ORDER BY group_key
