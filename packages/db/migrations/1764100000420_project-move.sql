-- Up Migration

-- Sharing a personal project with a team (and taking it back) moves the project to another org. Its rows
-- carry the org in their composite key to the project, so they follow it: ON UPDATE CASCADE.
ALTER TABLE project_keys DROP CONSTRAINT project_keys_project_org_fk,
  ADD CONSTRAINT project_keys_project_org_fk FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE invite_keys DROP CONSTRAINT invite_keys_project_org_fk,
  ADD CONSTRAINT invite_keys_project_org_fk FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE vcs_blobs DROP CONSTRAINT vcs_blobs_project_id_org_id_fkey,
  ADD CONSTRAINT vcs_blobs_project_id_org_id_fkey FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE vcs_snapshots DROP CONSTRAINT vcs_snapshots_project_id_org_id_fkey,
  ADD CONSTRAINT vcs_snapshots_project_id_org_id_fkey FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE vcs_branches DROP CONSTRAINT vcs_branches_project_id_org_id_fkey,
  ADD CONSTRAINT vcs_branches_project_id_org_id_fkey FOREIGN KEY (project_id, org_id) REFERENCES projects (id, org_id) ON DELETE CASCADE ON UPDATE CASCADE;

-- RLS lets a row be seen and changed only inside its own org, so no policy can allow moving it to another:
-- this function does the one move, and only for a caller who is a member of both orgs and holds a key for
-- the project. Everything else about sharing (the keys for the team) is written under the normal policies.
CREATE FUNCTION app_move_project(p_id text, p_from text, p_to text, p_team_project text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT (app_is_member(p_from) AND app_is_member(p_to)) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM project_keys WHERE project_id = p_id AND account_id = app_current_account()) THEN RETURN false; END IF;
  IF NOT EXISTS (SELECT 1 FROM team_projects WHERE id = p_team_project AND org_id = p_to) THEN RETURN false; END IF;
  UPDATE projects SET org_id = p_to, team_project_id = p_team_project WHERE id = p_id AND org_id = p_from;
  RETURN FOUND;
END $$;

-- Down Migration
DROP FUNCTION app_move_project(text, text, text, text);
