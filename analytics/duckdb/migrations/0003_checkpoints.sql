-- Projection checkpoints: one row per projection, updated in the same
-- transaction as the batch it covers.
CREATE TABLE projection_checkpoints (
    projection VARCHAR PRIMARY KEY,
    commit_position UBIGINT NOT NULL,
    prepare_position UBIGINT NOT NULL,
    written_at TIMESTAMP NOT NULL
);
