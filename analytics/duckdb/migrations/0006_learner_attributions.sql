-- The learner directory as the facts carry it, without personal data
-- (analytics.Attribution: the learner and the household as pseudonyms):
-- learner_attributions holds the directory the facts were last attributed
-- with; reattributions, filled and emptied inside a write's transaction,
-- the learners whose entry changed since, whose facts open to the
-- directory are attributed again.
CREATE TABLE learner_attributions (
    actor_id UBIGINT NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    household_id UBIGINT NOT NULL,
    mentor VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    subgroups VARCHAR[] NOT NULL
);
CREATE TABLE reattributions (
    actor_id UBIGINT NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    household_id UBIGINT NOT NULL,
    mentor VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    subgroups VARCHAR[] NOT NULL
);
