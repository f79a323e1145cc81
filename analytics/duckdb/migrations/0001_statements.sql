-- One row per statement that counts (voiding statements included; voided
-- statements are deleted), without personal data: learners and households
-- are keyed pseudonyms (UBIGINT). The columns are those of ClickHouse's
-- statements table, except that TIMESTAMP keeps the milliseconds ClickHouse
-- stores apart in stored_ms and timestamp_ms. stored and timestamp are UTC;
-- date is the local (UTC+7) date of timestamp.
CREATE TABLE statements (
    event_position UBIGINT NOT NULL,
    event_prepare UBIGINT NOT NULL,
    statement_id VARCHAR NOT NULL,
    stored TIMESTAMP NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    date DATE NOT NULL,
    verb VARCHAR NOT NULL,
    object_id VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,
    activity_type VARCHAR NOT NULL,
    course_id VARCHAR NOT NULL,
    registration VARCHAR NOT NULL,
    actor_id UBIGINT NOT NULL,
    result_success TINYINT NOT NULL,
    result_completion TINYINT NOT NULL,
    has_score UTINYINT NOT NULL,
    score_scaled DOUBLE NOT NULL,
    score_raw DOUBLE NOT NULL,
    duration_seconds DOUBLE NOT NULL,
    expected_seconds DOUBLE NOT NULL,
    platform VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    province VARCHAR NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    subgroups VARCHAR[] NOT NULL,
    household_id UBIGINT NOT NULL,
    team VARCHAR NOT NULL,
    mentor VARCHAR NOT NULL,
    ext_keys VARCHAR[] NOT NULL
);
