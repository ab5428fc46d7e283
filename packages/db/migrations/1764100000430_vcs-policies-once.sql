-- Up Migration

-- The VCS tables' policies asked app_is_member(org_id) for every row. The row's org must equal the
-- request's org anyway, so asking once for the request's org is the same rule, evaluated once per
-- statement (an initplan) instead of once per row: reading a project's blobs no longer costs a function
-- call per blob.
ALTER POLICY vcs_blobs_tenant ON vcs_blobs USING (org_id = app_current_org() AND (SELECT app_is_member(app_current_org())));
ALTER POLICY vcs_snapshots_tenant ON vcs_snapshots USING (org_id = app_current_org() AND (SELECT app_is_member(app_current_org())));
ALTER POLICY vcs_branches_tenant ON vcs_branches USING (org_id = app_current_org() AND (SELECT app_is_member(app_current_org())));

-- Down Migration
ALTER POLICY vcs_blobs_tenant ON vcs_blobs USING (org_id = app_current_org() AND app_is_member(org_id));
ALTER POLICY vcs_snapshots_tenant ON vcs_snapshots USING (org_id = app_current_org() AND app_is_member(org_id));
ALTER POLICY vcs_branches_tenant ON vcs_branches USING (org_id = app_current_org() AND app_is_member(org_id));
