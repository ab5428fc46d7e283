-- Up Migration

-- RLS so far enforced membership; this makes it enforce roles too, so that a bug in a use case still
-- cannot let a member make themselves owner, an admin touch the owner, or an invitee join above
-- the role they were invited with. Rules that need the old and new row (role changes) are triggers.

-- Joining: as owner only into an org one owns (creating it), otherwise with exactly the invited role.
CREATE FUNCTION app_may_join_as(p_org text, p_role text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT (p_role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account()))
       OR (p_role <> 'owner' AND EXISTS (SELECT 1 FROM invites WHERE org_id = p_org AND invitee_email = app_current_email()
                  AND role = p_role AND status = 'pending' AND expires_at > now())) $$;

DROP POLICY memberships_tenant ON memberships;
CREATE POLICY memberships_read ON memberships FOR SELECT
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());
CREATE POLICY memberships_join ON memberships FOR INSERT
  WITH CHECK (account_id = app_current_account() AND app_may_join_as(org_id, role));
-- owners and admins manage the org's rows; anyone may touch their own row (leave, reset flags)
CREATE POLICY memberships_update ON memberships FOR UPDATE
  USING ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin')) OR account_id = app_current_account())
  WITH CHECK ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin')) OR account_id = app_current_account());
CREATE POLICY memberships_delete ON memberships FOR DELETE
  USING (role <> 'owner' AND ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin')) OR account_id = app_current_account()));

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

-- Organizations: owners and admins update, only the owner deletes or hands over ownership.
DROP POLICY organizations_member ON organizations;
CREATE POLICY organizations_read ON organizations FOR SELECT USING (app_is_member(id));
CREATE POLICY organizations_create ON organizations FOR INSERT WITH CHECK (owner_account_id = app_current_account());
CREATE POLICY organizations_update ON organizations FOR UPDATE
  USING (app_role_in(id) IN ('owner', 'admin')) WITH CHECK (app_role_in(id) IN ('owner', 'admin'));
CREATE POLICY organizations_delete ON organizations FOR DELETE USING (app_role_in(id) = 'owner');

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

-- Invitations: created, changed and revoked by the org's owners and admins; the invitee may only answer.
DROP POLICY invites_tenant ON invites;
CREATE POLICY invites_read ON invites FOR SELECT
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR invitee_email = app_current_email());
CREATE POLICY invites_create ON invites FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'));
CREATE POLICY invites_update ON invites FOR UPDATE
  USING ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin')) OR invitee_email = app_current_email())
  WITH CHECK ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin')) OR invitee_email = app_current_email());
CREATE POLICY invites_delete ON invites FOR DELETE
  USING (org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'));

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

DROP POLICY invite_keys_tenant ON invite_keys;
CREATE POLICY invite_keys_read ON invite_keys FOR SELECT
  USING ((org_id = app_current_org() AND app_is_member(org_id))
         OR invite_id IN (SELECT id FROM invites WHERE invitee_email = app_current_email()));
CREATE POLICY invite_keys_write ON invite_keys FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'));
-- an account reset drops keys wrapped for the invitee's old public key
CREATE POLICY invite_keys_delete ON invite_keys FOR DELETE
  USING ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'))
         OR invite_id IN (SELECT id FROM invites WHERE invitee_email = app_current_email()));

-- Wrapped project keys: written only inside the request's org, by its members; one's own keys stay
-- readable and deletable from anywhere (account reset).
DROP POLICY project_keys_tenant ON project_keys;
CREATE POLICY project_keys_read ON project_keys FOR SELECT
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());
CREATE POLICY project_keys_insert ON project_keys FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id));
CREATE POLICY project_keys_update ON project_keys FOR UPDATE
  USING (org_id = app_current_org() AND app_is_member(org_id))
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id));
CREATE POLICY project_keys_delete ON project_keys FOR DELETE
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());

-- A key row's org is its project's org: no key can point across tenants.
ALTER TABLE projects ADD CONSTRAINT projects_id_org_unique UNIQUE (id, org_id);
ALTER TABLE project_keys ADD CONSTRAINT project_keys_project_org_fk
  FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE;
ALTER TABLE invite_keys ADD CONSTRAINT invite_keys_project_org_fk
  FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE;

-- The audit log is append-only for the app: read by members (the endpoint narrows it to admins), written
-- by members, never changed or deleted (rows go only with their org).
DROP POLICY org_audit_events_tenant ON org_audit_events;
CREATE POLICY org_audit_events_read ON org_audit_events FOR SELECT
  USING (org_id = app_current_org() AND app_is_member(org_id));
CREATE POLICY org_audit_events_write ON org_audit_events FOR INSERT
  WITH CHECK (org_id = app_current_org() AND app_is_member(org_id));


-- Down Migration
DROP POLICY org_audit_events_write ON org_audit_events;
DROP POLICY org_audit_events_read ON org_audit_events;
CREATE POLICY org_audit_events_tenant ON org_audit_events USING (org_id = app_current_org() AND app_is_member(org_id));
ALTER TABLE invite_keys DROP CONSTRAINT invite_keys_project_org_fk;
ALTER TABLE project_keys DROP CONSTRAINT project_keys_project_org_fk;
ALTER TABLE projects DROP CONSTRAINT projects_id_org_unique;
DROP POLICY project_keys_delete ON project_keys;
DROP POLICY project_keys_update ON project_keys;
DROP POLICY project_keys_insert ON project_keys;
DROP POLICY project_keys_read ON project_keys;
CREATE POLICY project_keys_tenant ON project_keys
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account());
DROP POLICY invite_keys_delete ON invite_keys;
DROP POLICY invite_keys_write ON invite_keys;
DROP POLICY invite_keys_read ON invite_keys;
CREATE POLICY invite_keys_tenant ON invite_keys
  USING ((org_id = app_current_org() AND app_is_member(org_id))
         OR invite_id IN (SELECT id FROM invites WHERE invitee_email = app_current_email()));
DROP TRIGGER invites_guard_invitee_update ON invites;
DROP FUNCTION invites_guard_invitee_update();
DROP POLICY invites_delete ON invites;
DROP POLICY invites_update ON invites;
DROP POLICY invites_create ON invites;
DROP POLICY invites_read ON invites;
CREATE POLICY invites_tenant ON invites
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR invitee_email = app_current_email());
DROP TRIGGER organizations_guard_owner_change ON organizations;
DROP FUNCTION organizations_guard_owner_change();
DROP POLICY organizations_delete ON organizations;
DROP POLICY organizations_update ON organizations;
DROP POLICY organizations_create ON organizations;
DROP POLICY organizations_read ON organizations;
CREATE POLICY organizations_member ON organizations
  USING (app_is_member(id))
  WITH CHECK (owner_account_id = app_current_account() OR app_is_member(id));
DROP TRIGGER memberships_guard_role_change ON memberships;
DROP FUNCTION memberships_guard_role_change();
DROP POLICY memberships_delete ON memberships;
DROP POLICY memberships_update ON memberships;
DROP POLICY memberships_join ON memberships;
DROP POLICY memberships_read ON memberships;
CREATE POLICY memberships_tenant ON memberships
  USING ((org_id = app_current_org() AND app_is_member(org_id)) OR account_id = app_current_account())
  WITH CHECK ((org_id = app_current_org() AND app_role_in(org_id) IN ('owner', 'admin'))
              OR (account_id = app_current_account() AND (app_is_member(org_id) OR app_may_join(org_id))));
DROP FUNCTION app_may_join_as(text, text);
