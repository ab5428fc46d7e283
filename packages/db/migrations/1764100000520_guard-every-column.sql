-- Up Migration

-- RLS must hold on its own (docs/architecture.md §4.4): the guards of …_300_role-aware-policies named the
-- columns they protected, so every other column could change freely. A member moved their own owner
-- membership into another org (the guard returned early when the role was unchanged), an invitee reset the
-- acceptance code columns added after the guard was written, any member overwrote another member's wrapped
-- key, and audit events took any actor. Now coverage is by default, in two layers:
--  1. privileges: the app role may UPDATE only the columns listed below, per table; a column added later is
--     not updatable until a migration grants it (test/security/rls-columns.test.ts fails until it is
--     classified there);
--  2. guard triggers compare the whole row (to_jsonb) minus a per-table allow-list, so a column granted by
--     mistake is still frozen, and they decide who may change the allowed columns and how.

-- The guards apply to every role RLS applies to: not to the table's owner (migrations, and the SECURITY
-- DEFINER functions such as app_move_project, whose foreign-key cascades also run as the owner), nor to
-- superusers or BYPASSRLS roles. The trigger functions are SECURITY INVOKER so that current_user is the role
-- that ran the statement; what they must read past RLS they ask SECURITY DEFINER helpers.
CREATE FUNCTION app_guard_applies(p_table regclass) RETURNS boolean LANGUAGE sql STABLE SET search_path = public AS
$$ SELECT NOT pg_has_role(current_user, c.relowner, 'USAGE') AND NOT r.rolbypassrls
     FROM pg_class c, pg_roles r WHERE c.oid = p_table AND r.rolname = current_user $$;

-- the columns of a row, minus those a transition may change: to compare everything else
CREATE FUNCTION app_row_without(p_row jsonb, p_allowed text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE AS
$$ SELECT p_row - p_allowed $$;

-- ---------------------------------------------------------------------------------------------------------
-- memberships: only role and lacks_keys change; a membership never moves to another org or account.

DROP TRIGGER memberships_guard_role_change ON memberships;
DROP FUNCTION memberships_guard_role_change();
REVOKE UPDATE ON memberships FROM somnus_app;
GRANT UPDATE (role, lacks_keys) ON memberships TO somnus_app;

CREATE FUNCTION memberships_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
DECLARE
  caller_role text;
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), '{role,lacks_keys}') IS DISTINCT FROM app_row_without(to_jsonb(OLD), '{role,lacks_keys}') THEN
    RAISE EXCEPTION 'a membership cannot move: only its role and lacks_keys change' USING ERRCODE = '42501';
  END IF;
  IF NEW.role = OLD.role THEN
    RETURN NEW; -- lacks_keys: the policy already limits it to the member themselves and the org's owners and admins
  END IF;
  caller_role := app_role_in(OLD.org_id);
  -- the caller can update this row only as a member of its org (policy memberships_update), so it sees the org
  IF OLD.role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id AND owner_account_id = OLD.account_id) THEN
    RAISE EXCEPTION 'the owner''s role changes only after ownership was transferred' USING ERRCODE = '42501';
  END IF;
  IF caller_role = 'owner' THEN
    RETURN NEW;
  END IF;
  IF caller_role = 'admin' AND OLD.role <> 'owner' AND NEW.role <> 'owner' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'role % may not change a % into a %', coalesce(caller_role, 'non-member'), OLD.role, NEW.role USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER memberships_guard_update BEFORE UPDATE ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_guard_update();

-- Joining with an invitation also needs it to be one that can still be accepted: it has a code, and fewer
-- than 5 wrong codes were tried (docs/architecture.md §7, Codes). The database cannot check the code itself
-- (the server secret never reaches it); with the code columns now frozen (below), an invitation locked by
-- wrong tries, or made before codes existed, cannot be reopened and used by a forged statement. Both are
-- read by name from the row's JSON, so that this rule ends with the columns if codes give way to another
-- proof, rather than breaking every join.
CREATE OR REPLACE FUNCTION app_may_join_as(p_org text, p_role text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT (p_role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account()))
       OR (p_role <> 'owner' AND EXISTS (SELECT 1 FROM invites i WHERE i.org_id = p_org AND i.invitee_email = app_current_email()
                  AND i.role = p_role AND i.status = 'pending' AND i.expires_at > now()
                  AND to_jsonb(i) -> 'accept_code_hash' IS DISTINCT FROM 'null'::jsonb
                  AND coalesce((to_jsonb(i) ->> 'accept_attempts')::integer, 0) < 5)) $$;

-- ---------------------------------------------------------------------------------------------------------
-- organizations: name and settings by owners and admins, the owner by the owner; id, type, seat limit and
-- creation time never.

DROP TRIGGER organizations_guard_owner_change ON organizations;
DROP FUNCTION organizations_guard_owner_change();
REVOKE UPDATE ON organizations FROM somnus_app;
GRANT UPDATE (name, storage_rule, allowed_invite_domains, owner_account_id) ON organizations TO somnus_app;

CREATE FUNCTION organizations_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
DECLARE
  allowed constant text[] := '{name,storage_rule,allowed_invite_domains,owner_account_id}';
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), allowed) IS DISTINCT FROM app_row_without(to_jsonb(OLD), allowed) THEN
    RAISE EXCEPTION 'only an organization''s name, settings and owner change' USING ERRCODE = '42501';
  END IF;
  -- the new owner's membership is visible: only the owner passes, and the request's org is this one
  IF NEW.owner_account_id <> OLD.owner_account_id
     AND (OLD.type = 'personal' OR app_role_in(OLD.id) IS DISTINCT FROM 'owner'
          OR NOT EXISTS (SELECT 1 FROM memberships WHERE org_id = OLD.id AND account_id = NEW.owner_account_id)) THEN
    RAISE EXCEPTION 'only the owner hands a team organization to one of its members' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER organizations_guard_update BEFORE UPDATE ON organizations
  FOR EACH ROW EXECUTE FUNCTION organizations_guard_update();

-- ---------------------------------------------------------------------------------------------------------
-- invites: the org's owners and admins change the role of a pending invitation or close it (revoked,
-- expired); the invitee answers it (accepted, declined) and has wrong codes counted, one at a time. The
-- code, the address, the org, the inviter and the dates never change.

DROP TRIGGER invites_guard_invitee_update ON invites;
DROP FUNCTION invites_guard_invitee_update();
REVOKE UPDATE ON invites FROM somnus_app;
GRANT UPDATE (role, status, responded_at, accept_attempts) ON invites TO somnus_app;

CREATE FUNCTION invites_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
DECLARE
  allowed constant text[] := '{role,status,responded_at,accept_attempts}';
  -- by name from the row's JSON, like app_may_join_as: the rule must not break if the column goes
  old_attempts constant integer := (to_jsonb(OLD) ->> 'accept_attempts')::integer;
  new_attempts constant integer := (to_jsonb(NEW) ->> 'accept_attempts')::integer;
  manages boolean;
  invitee boolean;
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), allowed) IS DISTINCT FROM app_row_without(to_jsonb(OLD), allowed) THEN
    RAISE EXCEPTION 'only an invitation''s role, status and count of wrong codes change' USING ERRCODE = '42501';
  END IF;
  IF new_attempts IS DISTINCT FROM old_attempts AND (new_attempts IS DISTINCT FROM old_attempts + 1 OR OLD.status <> 'pending') THEN
    RAISE EXCEPTION 'wrong codes are counted one at a time, and never forgotten' USING ERRCODE = '42501';
  END IF;
  IF (NEW.role <> OLD.role OR NEW.status <> OLD.status) AND OLD.status <> 'pending' THEN
    RAISE EXCEPTION 'a closed invitation stays closed' USING ERRCODE = '42501';
  END IF;
  IF NEW.responded_at IS DISTINCT FROM OLD.responded_at AND NEW.status = OLD.status THEN
    RAISE EXCEPTION 'an invitation''s answer time changes only with its status' USING ERRCODE = '42501';
  END IF;
  -- the org's owners and admins close it; its invitee answers it (and may have just joined as an admin)
  manages := coalesce(app_role_in(OLD.org_id) IN ('owner', 'admin'), false);
  invitee := coalesce(OLD.invitee_email = app_current_email(), false);
  IF NEW.role <> OLD.role AND NOT manages THEN
    RAISE EXCEPTION 'only the organization''s owners and admins change an invitation''s role' USING ERRCODE = '42501';
  END IF;
  IF NEW.status <> OLD.status
     AND NOT (NEW.status IN ('revoked', 'expired') AND manages)
     AND NOT (NEW.status IN ('accepted', 'declined') AND invitee) THEN
    RAISE EXCEPTION 'an organization revokes an invitation, only its invitee accepts or declines it' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invites_guard_update BEFORE UPDATE ON invites
  FOR EACH ROW EXECUTE FUNCTION invites_guard_update();

-- ---------------------------------------------------------------------------------------------------------
-- project keys: a wrapped key is written once and never changed. Members still store keys for others (a
-- project's creator, sharing, reconcile-keys); only the key's holder, the org's owners and admins (removing
-- a member) and the project's creator (taking it back from the team) drop one, so no member can replace
-- another's key by deleting and re-inserting it.

DROP POLICY project_keys_update ON project_keys;
REVOKE UPDATE ON project_keys FROM somnus_app;
DROP POLICY project_keys_delete ON project_keys;
CREATE POLICY project_keys_delete ON project_keys FOR DELETE
  USING (account_id = app_current_account()
         OR (org_id = app_current_org() AND app_is_member(org_id)
             AND (app_role_in(org_id) IN ('owner', 'admin')
                  OR EXISTS (SELECT 1 FROM projects p WHERE p.id = project_keys.project_id AND p.created_by = app_current_account()))));

REVOKE UPDATE ON invite_keys FROM somnus_app;

-- ---------------------------------------------------------------------------------------------------------
-- audit logs: append-only, each event's actor is the caller, its id and time the database's.

DROP POLICY org_audit_events_write ON org_audit_events;
CREATE POLICY org_audit_events_write ON org_audit_events FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id) AND actor_id = app_current_account());
REVOKE INSERT, UPDATE, DELETE ON org_audit_events FROM somnus_app;
GRANT INSERT (org_id, actor_id, type, subject, ip, details) ON org_audit_events TO somnus_app;

-- The account log has no RLS: logins and signups write it before anyone is authenticated, and the org's
-- login report reads members' events. With a session's context, though, an event is the session's own.
REVOKE INSERT, UPDATE, DELETE ON account_audit_events FROM somnus_app;
GRANT INSERT (account_id, type, ip, client, details) ON account_audit_events TO somnus_app;
CREATE FUNCTION account_audit_events_guard_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
BEGIN
  IF app_guard_applies(TG_RELID) AND app_current_account() IS NOT NULL AND NEW.account_id <> app_current_account() THEN
    RAISE EXCEPTION 'an account event is the caller''s own' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER account_audit_events_guard_insert BEFORE INSERT ON account_audit_events
  FOR EACH ROW EXECUTE FUNCTION account_audit_events_guard_insert();

-- ---------------------------------------------------------------------------------------------------------
-- version control and the rest of the tenant tables

-- a project is archived once, by its creator or an owner or admin; it moves only through app_move_project
REVOKE UPDATE ON projects FROM somnus_app;
GRANT UPDATE (archived_at) ON projects TO somnus_app;
CREATE FUNCTION projects_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), '{archived_at}') IS DISTINCT FROM app_row_without(to_jsonb(OLD), '{archived_at}') THEN
    RAISE EXCEPTION 'a project changes only by being archived' USING ERRCODE = '42501';
  END IF;
  IF NEW.archived_at IS DISTINCT FROM OLD.archived_at
     AND (OLD.archived_at IS NOT NULL OR NEW.archived_at IS NULL
          OR NOT (OLD.created_by IS NOT DISTINCT FROM app_current_account() OR coalesce(app_role_in(OLD.org_id) IN ('owner', 'admin'), false))) THEN
    RAISE EXCEPTION 'a project is archived once, by its creator or an owner or admin' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER projects_guard_update BEFORE UPDATE ON projects
  FOR EACH ROW EXECUTE FUNCTION projects_guard_update();

-- a branch's history is only ever extended (docs/architecture.md §4.1): the old list stays its prefix
REVOKE UPDATE ON vcs_branches FROM somnus_app;
GRANT UPDATE (snapshots, modified) ON vcs_branches TO somnus_app;
CREATE FUNCTION vcs_branches_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), '{snapshots,modified}') IS DISTINCT FROM app_row_without(to_jsonb(OLD), '{snapshots,modified}') THEN
    RAISE EXCEPTION 'a branch changes only by extending its history' USING ERRCODE = '42501';
  END IF;
  IF cardinality(NEW.snapshots) < cardinality(OLD.snapshots)
     OR NEW.snapshots[1:cardinality(OLD.snapshots)] IS DISTINCT FROM OLD.snapshots THEN
    RAISE EXCEPTION 'a branch''s history is only ever extended' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER vcs_branches_guard_update BEFORE UPDATE ON vcs_branches
  FOR EACH ROW EXECUTE FUNCTION vcs_branches_guard_update();

-- content-addressed blobs and snapshots are written once
REVOKE UPDATE ON vcs_blobs FROM somnus_app;
REVOKE UPDATE ON vcs_snapshots FROM somnus_app;
-- team projects are renamed, nothing more; presence only records when a member was last seen
REVOKE UPDATE ON team_projects FROM somnus_app;
GRANT UPDATE (name) ON team_projects TO somnus_app;
REVOKE UPDATE ON presence FROM somnus_app;
GRANT UPDATE (seen_at) ON presence TO somnus_app;


-- Down Migration
REVOKE UPDATE (seen_at) ON presence FROM somnus_app;
GRANT UPDATE ON presence TO somnus_app;
REVOKE UPDATE (name) ON team_projects FROM somnus_app;
GRANT UPDATE ON team_projects TO somnus_app;
GRANT UPDATE ON vcs_snapshots TO somnus_app;
GRANT UPDATE ON vcs_blobs TO somnus_app;
DROP TRIGGER vcs_branches_guard_update ON vcs_branches;
DROP FUNCTION vcs_branches_guard_update();
REVOKE UPDATE (snapshots, modified) ON vcs_branches FROM somnus_app;
GRANT UPDATE ON vcs_branches TO somnus_app;
DROP TRIGGER projects_guard_update ON projects;
DROP FUNCTION projects_guard_update();
REVOKE UPDATE (archived_at) ON projects FROM somnus_app;
GRANT UPDATE ON projects TO somnus_app;

DROP TRIGGER account_audit_events_guard_insert ON account_audit_events;
DROP FUNCTION account_audit_events_guard_insert();
REVOKE INSERT (account_id, type, ip, client, details) ON account_audit_events FROM somnus_app;
GRANT INSERT, UPDATE, DELETE ON account_audit_events TO somnus_app;
REVOKE INSERT (org_id, actor_id, type, subject, ip, details) ON org_audit_events FROM somnus_app;
GRANT INSERT, UPDATE, DELETE ON org_audit_events TO somnus_app;
DROP POLICY org_audit_events_write ON org_audit_events;
CREATE POLICY org_audit_events_write ON org_audit_events FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id));

GRANT UPDATE ON invite_keys TO somnus_app;
DROP POLICY project_keys_delete ON project_keys;
CREATE POLICY project_keys_delete ON project_keys FOR DELETE
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());
GRANT UPDATE ON project_keys TO somnus_app;
CREATE POLICY project_keys_update ON project_keys FOR UPDATE
  USING (org_id = app_current_org() AND app_is_member(org_id))
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id));

DROP TRIGGER invites_guard_update ON invites;
DROP FUNCTION invites_guard_update();
REVOKE UPDATE (role, status, responded_at, accept_attempts) ON invites FROM somnus_app;
GRANT UPDATE ON invites TO somnus_app;
CREATE FUNCTION invites_guard_invitee_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS
$$
BEGIN
  IF app_current_account() IS NULL OR app_role_in(OLD.org_id) IN ('owner', 'admin') THEN
    RETURN NEW;
  END IF;
  -- the invitee answers: pending → accepted | declined, and nothing else about the invitation moves
  IF NEW.id <> OLD.id OR NEW.org_id <> OLD.org_id OR NEW.invitee_email <> OLD.invitee_email OR NEW.role <> OLD.role
     OR NEW.expires_at <> OLD.expires_at OR NEW.created_at <> OLD.created_at
     OR NEW.inviter_account_id IS DISTINCT FROM OLD.inviter_account_id
     OR (NEW.status <> OLD.status AND NOT (OLD.status = 'pending' AND NEW.status IN ('accepted', 'declined'))) THEN
    RAISE EXCEPTION 'an invitee may only accept or decline their invitation' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER invites_guard_invitee_update BEFORE UPDATE ON invites
  FOR EACH ROW EXECUTE FUNCTION invites_guard_invitee_update();

DROP TRIGGER organizations_guard_update ON organizations;
DROP FUNCTION organizations_guard_update();
REVOKE UPDATE (name, storage_rule, allowed_invite_domains, owner_account_id) ON organizations FROM somnus_app;
GRANT UPDATE ON organizations TO somnus_app;
CREATE FUNCTION organizations_guard_owner_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS
$$
BEGIN
  IF app_current_account() IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.type <> OLD.type THEN
    RAISE EXCEPTION 'an organization''s type cannot change' USING ERRCODE = '42501';
  END IF;
  IF NEW.owner_account_id <> OLD.owner_account_id
     AND (OLD.type = 'personal' OR app_role_in(OLD.id) IS DISTINCT FROM 'owner'
          OR NOT EXISTS (SELECT 1 FROM memberships WHERE org_id = OLD.id AND account_id = NEW.owner_account_id)) THEN
    RAISE EXCEPTION 'only the owner hands a team organization to one of its members' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER organizations_guard_owner_change BEFORE UPDATE ON organizations
  FOR EACH ROW EXECUTE FUNCTION organizations_guard_owner_change();

CREATE OR REPLACE FUNCTION app_may_join_as(p_org text, p_role text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT (p_role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account()))
       OR (p_role <> 'owner' AND EXISTS (SELECT 1 FROM invites WHERE org_id = p_org AND invitee_email = app_current_email()
                  AND role = p_role AND status = 'pending' AND expires_at > now())) $$;
DROP TRIGGER memberships_guard_update ON memberships;
DROP FUNCTION memberships_guard_update();
REVOKE UPDATE (role, lacks_keys) ON memberships FROM somnus_app;
GRANT UPDATE ON memberships TO somnus_app;
CREATE FUNCTION memberships_guard_role_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS
$$
DECLARE
  caller_role text := app_role_in(OLD.org_id);
BEGIN
  IF app_current_account() IS NULL OR NEW.role = OLD.role THEN
    RETURN NEW; -- maintenance without a tenant context (already blind under RLS), or no role change
  END IF;
  IF NEW.org_id <> OLD.org_id OR NEW.account_id <> OLD.account_id THEN
    RAISE EXCEPTION 'a membership cannot move' USING ERRCODE = '42501';
  END IF;
  IF OLD.role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id AND owner_account_id = OLD.account_id) THEN
    RAISE EXCEPTION 'the owner''s role changes only after ownership was transferred' USING ERRCODE = '42501';
  END IF;
  IF caller_role = 'owner' THEN
    RETURN NEW;
  END IF;
  IF caller_role = 'admin' AND OLD.role <> 'owner' AND NEW.role <> 'owner' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'role % may not change a % into a %', coalesce(caller_role, 'non-member'), OLD.role, NEW.role USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER memberships_guard_role_change BEFORE UPDATE ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_guard_role_change();

DROP FUNCTION app_row_without(jsonb, text[]);
DROP FUNCTION app_guard_applies(regclass);
