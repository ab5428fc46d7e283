-- Up Migration

-- Who has which synced file open (docs/protocol.md §5 "Related REST"): a heartbeat per member, file and
-- team project, read back as "who else is here". Lost on a crash by design (UNLOGGED): it is only presence.
CREATE UNLOGGED TABLE presence (
  org_id           text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  account_id       text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  team_project_id  text NOT NULL CHECK (length(team_project_id) BETWEEN 1 AND 100),
  file_id          text NOT NULL CHECK (length(file_id) BETWEEN 1 AND 100),
  seen_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, account_id, team_project_id, file_id)
);
CREATE INDEX presence_org_project_idx ON presence (org_id, team_project_id, seen_at);

ALTER TABLE presence ENABLE ROW LEVEL SECURITY;
CREATE POLICY presence_tenant ON presence
  USING (org_id = app_current_org() AND app_is_member(org_id))
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id) AND account_id = app_current_account());

-- Down Migration
DROP TABLE presence;
