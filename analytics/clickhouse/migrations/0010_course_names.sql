-- The course dimension's names (docs/analytics.md, "Course names"): per
-- course and language, the names that the activity definitions of
-- statements stored with the define scope gave the course, with the log
-- position of the statement. The latest is argMax(name, event_position)
-- grouped by course and language (ReplacingMergeTree keeps that row when
-- it merges; rows not yet merged only repeat older names).
CREATE TABLE IF NOT EXISTS course_names (
    course_id String,
    lang String,
    name String,
    event_position UInt64
) ENGINE = ReplacingMergeTree(event_position)
ORDER BY (course_id, lang)
