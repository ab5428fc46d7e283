-- Up Migration

-- The size of a snapshot's state as the client receives it (jsonb's text), computed once when the snapshot is
-- stored. A `snapshots` answer is bounded by the sum of these before any state is read, so asking for many
-- large snapshots costs neither the database a conversion of each nor the function its memory.
ALTER TABLE vcs_snapshots ADD COLUMN state_bytes integer GENERATED ALWAYS AS (octet_length(state::text)) STORED;

-- Down Migration
ALTER TABLE vcs_snapshots DROP COLUMN state_bytes;
