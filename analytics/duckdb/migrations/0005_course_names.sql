-- The course dimension's names (docs/analytics.md, "Course names"): per
-- course and language, the latest name that the activity definitions of
-- statements stored with the define scope gave the course, and the log
-- position of that statement. Written in the transaction of the batch
-- that defined it; emptied with everything else by a rebuild.
CREATE TABLE course_names (
    course_id VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    event_position UBIGINT NOT NULL,
    PRIMARY KEY (course_id, lang)
);
