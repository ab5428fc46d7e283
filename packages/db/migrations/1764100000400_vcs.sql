-- Up Migration

-- Insomnia's version control (docs/protocol.md §5): per VCS project, content-addressed encrypted blobs,
-- snapshots (commits: parent, author, message, the state as [{key, name, blob}]) and branches (ordered
-- snapshot ids). Every row carries its org, and its project through (project_id, org_id), so a row can
-- never point into another tenant; RLS is the org membership rule of every tenant table.

ALTER TABLE projects ADD COLUMN archived_at timestamptz;

CREATE TABLE vcs_blobs (
  org_id      text NOT NULL,
  project_id  text NOT NULL,
  id          text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  content     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE
);

CREATE TABLE vcs_snapshots (
  org_id             text NOT NULL,
  project_id         text NOT NULL,
  id                 text NOT NULL CHECK (length(id) BETWEEN 1 AND 128),
  parent             text NOT NULL,
  created            timestamptz NOT NULL,
  author_account_id  text REFERENCES accounts(id) ON DELETE SET NULL,
  name               text NOT NULL,
  description        text NOT NULL DEFAULT '',
  -- [{key, name, blob}]: document ids and names in clear, as Insomnia stores them; contents are blobs
  state              jsonb NOT NULL,
  pushed_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id),
  FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE
);

CREATE TABLE vcs_branches (
  org_id      text NOT NULL,
  project_id  text NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- the branch's history, oldest first; only ever extended (fast-forward) or dropped with the branch
  snapshots   text[] NOT NULL DEFAULT '{}',
  created     timestamptz NOT NULL DEFAULT now(),
  modified    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, name),
  FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE
);

ALTER TABLE vcs_blobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY vcs_blobs_tenant ON vcs_blobs
  USING (org_id = app_current_org() AND app_is_member(org_id));
ALTER TABLE vcs_snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY vcs_snapshots_tenant ON vcs_snapshots
  USING (org_id = app_current_org() AND app_is_member(org_id));
ALTER TABLE vcs_branches ENABLE ROW LEVEL SECURITY;
CREATE POLICY vcs_branches_tenant ON vcs_branches
  USING (org_id = app_current_org() AND app_is_member(org_id));


-- Project ids are chosen by clients and unique across all orgs. Whether one is taken must be answerable
-- for any caller (a create with a taken id is refused alike whether or not the caller could see the
-- project), which RLS alone cannot: this function answers that one bit and nothing else.
CREATE FUNCTION app_project_id_taken(p_id text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$ SELECT EXISTS (SELECT 1 FROM projects WHERE id = p_id) $$;

-- Down Migration
DROP FUNCTION app_project_id_taken(text);
DROP TABLE vcs_branches;
DROP TABLE vcs_snapshots;
DROP TABLE vcs_blobs;
ALTER TABLE projects DROP COLUMN archived_at;
