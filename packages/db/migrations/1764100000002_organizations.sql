-- Up Migration

-- Organizations are the tenants. Every tenant-scoped table carries org_id and a Row-Level Security
-- policy; the app role (somnus_app) is subject to them. Each request sets, inside its transaction,
--   app.account_id  the authenticated account
--   app.org_id      the organization in the request path (absent for account-wide calls)
-- with set_config(..., true). Without them, every policy below yields no rows.

CREATE FUNCTION app_current_account() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.account_id', true), '') $$;

CREATE FUNCTION app_current_org() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.org_id', true), '') $$;

-- the caller's normalised email: an invitee sees the invites addressed to them before joining
CREATE FUNCTION app_current_email() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.email', true), '') $$;

CREATE TABLE organizations (
  id                      text PRIMARY KEY,
  name                    text NOT NULL,
  type                    text NOT NULL CHECK (type IN ('personal', 'team')),
  owner_account_id        text NOT NULL REFERENCES accounts(id),
  storage_rule            text NOT NULL DEFAULT 'cloud_plus_local' CHECK (storage_rule IN ('cloud_plus_local', 'cloud_only', 'local_only')),
  allowed_invite_domains  text[] NOT NULL DEFAULT '{}',
  seat_limit              integer CHECK (seat_limit IS NULL OR seat_limit > 0),
  created_at              timestamptz NOT NULL DEFAULT now()
);
-- exactly one personal org per account
CREATE UNIQUE INDEX organizations_one_personal ON organizations (owner_account_id) WHERE type = 'personal';

CREATE TABLE memberships (
  org_id      text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  account_id  text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  -- set by an account reset: the member's wrapped keys are gone until an admin re-shares them
  lacks_keys  boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, account_id)
);
CREATE INDEX memberships_account_idx ON memberships (account_id);

-- Membership check used by every policy. SECURITY DEFINER (owned by the migrator, the table owner)
-- so that policies on memberships itself do not recurse.
CREATE FUNCTION app_is_member(p_org text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT EXISTS (SELECT 1 FROM memberships WHERE org_id = p_org AND account_id = app_current_account()) $$;

CREATE FUNCTION app_role_in(p_org text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT role FROM memberships WHERE org_id = p_org AND account_id = app_current_account() $$;

CREATE TABLE team_projects (
  id          text PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name        text NOT NULL,
  is_default  boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_projects_org_idx ON team_projects (org_id);
CREATE UNIQUE INDEX team_projects_one_default ON team_projects (org_id) WHERE is_default;

-- A VCS project / resource group (M_ResourceGroup, docs/architecture.md §1.3): one key, shared per member as a wrapped copy.
CREATE TABLE projects (
  id                text PRIMARY KEY,
  org_id            text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  team_project_id   text NOT NULL REFERENCES team_projects(id) ON DELETE CASCADE,
  name              text NOT NULL,
  root_document_id  text NOT NULL DEFAULT '',
  created_by        text REFERENCES accounts(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_org_idx ON projects (org_id);

-- M_Link: a member's copy of a project key, RSA-OAEP wrapped with their public key (512 hex).
CREATE TABLE project_keys (
  org_id             text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  project_id         text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  account_id         text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  enc_symmetric_key  text NOT NULL CHECK (enc_symmetric_key ~ '^[0-9a-f]{512}$'),
  auto_linked        boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, account_id)
);
CREATE INDEX project_keys_org_account_idx ON project_keys (org_id, account_id);
CREATE INDEX project_keys_account_idx ON project_keys (account_id);

CREATE TABLE invites (
  id                  text PRIMARY KEY,
  org_id              text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  inviter_account_id  text REFERENCES accounts(id) ON DELETE SET NULL,
  invitee_email       text NOT NULL,
  role                text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  expires_at          timestamptz NOT NULL,
  responded_at        timestamptz
);
CREATE INDEX invites_org_idx ON invites (org_id);
CREATE INDEX invites_email_idx ON invites (invitee_email);
CREATE UNIQUE INDEX invites_one_pending ON invites (org_id, invitee_email) WHERE status = 'pending';

-- May the caller add themselves to an org? Only its owner (creating it) or someone with a live invite.
CREATE FUNCTION app_may_join(p_org text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account())
       OR EXISTS (SELECT 1 FROM invites WHERE org_id = p_org AND invitee_email = app_current_email()
                  AND status IN ('pending', 'accepted') AND expires_at > now()) $$;

-- Keys the inviter wrapped for an invitee who already has an account, applied when they accept.
CREATE TABLE invite_keys (
  org_id             text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  invite_id          text NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
  project_id         text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  enc_symmetric_key  text NOT NULL CHECK (enc_symmetric_key ~ '^[0-9a-f]{512}$'),
  auto_linked        boolean NOT NULL DEFAULT false,
  PRIMARY KEY (invite_id, project_id)
);

CREATE TABLE org_audit_events (
  id          bigserial PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  actor_id    text REFERENCES accounts(id) ON DELETE SET NULL,
  type        text NOT NULL,
  subject     text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip          text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_audit_events_org_idx ON org_audit_events (org_id, id);

-- Policies. "In tenant" = the row's org is the request's org and the caller is a member of it.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY organizations_member ON organizations
  USING (app_is_member(id))
  WITH CHECK (owner_account_id = app_current_account() OR app_is_member(id));

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
-- a member sees the members of the request's org; anyone sees their own memberships (to list their orgs)
CREATE POLICY memberships_tenant ON memberships
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account())
  WITH CHECK ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'))
              OR (account_id = app_current_account() AND (app_is_member(org_id) OR app_may_join(org_id))));

ALTER TABLE team_projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_projects_tenant ON team_projects
  USING (org_id = app_current_org() AND app_is_member(org_id));

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects
  USING (org_id = app_current_org() AND app_is_member(org_id));

ALTER TABLE project_keys ENABLE ROW LEVEL SECURITY;
-- own keys are reachable without an org context (account reset deletes them all)
CREATE POLICY project_keys_tenant ON project_keys
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY invites_tenant ON invites
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR invitee_email = app_current_email());

ALTER TABLE invite_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY invite_keys_tenant ON invite_keys
  USING ((org_id = app_current_org() AND app_is_member(org_id))
         OR invite_id IN (SELECT id FROM invites WHERE invitee_email = app_current_email()));

ALTER TABLE org_audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY org_audit_events_tenant ON org_audit_events
  USING (org_id = app_current_org() AND app_is_member(org_id));

-- Down Migration
DROP TABLE org_audit_events;
DROP TABLE invite_keys;
DROP FUNCTION app_may_join(text);
DROP TABLE invites;
DROP TABLE project_keys;
DROP TABLE projects;
DROP TABLE team_projects;
DROP FUNCTION app_role_in(text);
DROP FUNCTION app_is_member(text);
DROP TABLE memberships;
DROP TABLE organizations;
DROP FUNCTION app_current_email();
DROP FUNCTION app_current_org();
DROP FUNCTION app_current_account();
