-- Reference data (dimension tables), replaced whole in the transaction of
-- the batch that changed them: communes and wards, populations (the
-- denominators), yearly targets, community teams, digital ambassadors. No
-- personal data: the learner directory stays out.
CREATE TABLE dim_communes (
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    district VARCHAR NOT NULL,
    area_types VARCHAR[] NOT NULL
);
CREATE TABLE dim_population (
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    people BIGINT NOT NULL
);
CREATE TABLE dim_targets (
    year INTEGER NOT NULL,
    commune VARCHAR NOT NULL,
    target_group VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    value DOUBLE NOT NULL
);
CREATE TABLE dim_teams (
    id VARCHAR NOT NULL,
    commune VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    members BIGINT NOT NULL
);
CREATE TABLE dim_mentors (
    id VARCHAR NOT NULL,
    commune VARCHAR NOT NULL,
    team VARCHAR NOT NULL,
    label VARCHAR NOT NULL
);
