-- Statements voided by a voiding statement. A voiding statement itself
-- cannot be voided, hence the verb test in the view.
CREATE TABLE IF NOT EXISTS voided_statements (
    statement_id String,
    voided_by String,
    event_position UInt64
) ENGINE = MergeTree
ORDER BY statement_id
;
-- What analysts should query: every statement that counts.
CREATE VIEW IF NOT EXISTS statements_valid AS
SELECT * FROM statements
WHERE NOT (statement_id IN (SELECT statement_id FROM voided_statements) AND verb != 'http://adlnet.gov/expapi/verbs/voided')
