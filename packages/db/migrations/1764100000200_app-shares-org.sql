-- Up Migration

-- Does the caller share an organization with p_other? Public keys are served only then (issue 3,
-- "Function keys"). The caller's RLS view of memberships holds only their own rows (and, with an org
-- in context, that org's members), so answering this with plain queries would need one transaction
-- context per org of the caller. SECURITY DEFINER (owned by the migrator, the table owner) answers it
-- in one statement; it is bound to app_current_account(), so it only ever answers for the caller and
-- reveals one bit: whether the two accounts meet in some org.
CREATE FUNCTION app_shares_org(p_other text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT EXISTS (SELECT 1 FROM memberships mine JOIN memberships theirs ON theirs.org_id = mine.org_id
                   WHERE mine.account_id = app_current_account() AND theirs.account_id = p_other) $$;

-- Down Migration
DROP FUNCTION app_shares_org(text);
