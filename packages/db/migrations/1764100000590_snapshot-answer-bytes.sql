-- Up Migration

-- The size of a snapshot as the client receives it (its state as jsonb's text, its name and description),
-- computed once when the snapshot is stored. A `snapshots` answer is bounded by the sum of these before any
-- of them is read, so asking for many large snapshots costs neither the database a conversion of each nor
-- the function its memory.
ALTER TABLE vcs_snapshots ADD COLUMN answer_bytes integer
  GENERATED ALWAYS AS (octet_length(state::text) + octet_length(name) + octet_length(description)) STORED;

-- Down Migration
ALTER TABLE vcs_snapshots DROP COLUMN answer_bytes;
