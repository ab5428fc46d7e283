-- Up Migration

-- Taking a shared project back (projectUnShare) returns it to the personal org it was shared from, and only
-- there: a project made in a team was never anyone's to take out of it, and an admin cannot move another
-- member's project into their own personal org. The move records where a project came from.
ALTER TABLE projects ADD COLUMN shared_from_org text REFERENCES organizations (id) ON DELETE SET NULL;

-- The one way a project changes org (RLS allows no row to leave its org). Into a team: from the caller's own
-- personal org, remembered in shared_from_org. Back: only into the personal org it came from, which must be
-- the caller's. Keys of pending invitations for the project belong to the org it leaves: they are dropped
-- (following the project, they would name an invitation of another org).
CREATE OR REPLACE FUNCTION app_move_project(p_id text, p_from text, p_to text, p_team_project text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  v_from_personal boolean;
  v_to_personal boolean;
BEGIN
  IF NOT (app_is_member(p_from) AND app_is_member(p_to)) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM project_keys WHERE project_id = p_id AND account_id = app_current_account()) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM team_projects WHERE id = p_team_project AND org_id = p_to) THEN RETURN false; END IF;
  SELECT type = 'personal' AND owner_account_id = app_current_account() INTO v_from_personal FROM organizations WHERE id = p_from;
  SELECT type = 'personal' AND owner_account_id = app_current_account() INTO v_to_personal FROM organizations WHERE id = p_to;
  IF coalesce(v_from_personal, false) AND NOT coalesce(v_to_personal, false) THEN
    DELETE FROM invite_keys WHERE project_id = p_id AND org_id = p_from;
    UPDATE projects SET org_id = p_to, team_project_id = p_team_project, shared_from_org = p_from WHERE id = p_id AND org_id = p_from;
  ELSIF coalesce(v_to_personal, false) THEN
    DELETE FROM invite_keys WHERE project_id = p_id AND org_id = p_from;
    UPDATE projects SET org_id = p_to, team_project_id = p_team_project, shared_from_org = NULL
     WHERE id = p_id AND org_id = p_from AND shared_from_org = p_to;
  ELSE
    RETURN false;
  END IF;
  RETURN FOUND;
END $$;

-- Down Migration
CREATE OR REPLACE FUNCTION app_move_project(p_id text, p_from text, p_to text, p_team_project text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT (app_is_member(p_from) AND app_is_member(p_to)) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM project_keys WHERE project_id = p_id AND account_id = app_current_account()) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM team_projects WHERE id = p_team_project AND org_id = p_to) THEN RETURN false; END IF;
  UPDATE projects SET org_id = p_to, team_project_id = p_team_project WHERE id = p_id AND org_id = p_from;
  RETURN FOUND;
END $$;
ALTER TABLE projects DROP COLUMN shared_from_org;
