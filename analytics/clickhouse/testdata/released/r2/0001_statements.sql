-- One row per statement (voiding statements included), without personal
-- data: learners and households are keyed pseudonyms (UInt64).
-- date is the local (UTC+7) date of the statement's timestamp.
CREATE TABLE IF NOT EXISTS statements (
    event_position UInt64,
    event_prepare UInt64,
    statement_id String,
    stored DateTime,
    stored_ms UInt16,
    timestamp DateTime,
    timestamp_ms UInt16,
    date Date,
    verb String,
    object_id String,
    object_type String,
    activity_type String,
    course_id String,
    registration String,
    actor_id UInt64,
    result_success Int8,
    result_completion Int8,
    has_score UInt8,
    score_scaled Float64,
    score_raw Float64,
    duration_seconds Float64,
    expected_seconds Float64,
    platform String,
    language String,
    province String,
    commune String,
    target_group String,
    subgroups Array(String),
    household_id UInt64,
    team String,
    mentor String,
    ext_keys Array(String),
    ext_values Array(String)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (date, verb, commune, target_group, object_id)
