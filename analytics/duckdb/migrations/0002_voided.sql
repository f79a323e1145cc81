-- Statements voided by a voiding statement, whether or not the target has
-- arrived yet. A voiding statement itself cannot be voided: Write deletes
-- the targets from statements only when their verb is not "voided".
CREATE TABLE voided_statements (
    statement_id VARCHAR NOT NULL,
    voided_by VARCHAR NOT NULL,
    event_position UBIGINT NOT NULL
);
