-- Up Migration

-- What an invitee may see and do before they are a member (issue 3, invites). The base policies only
-- let members see an org; an invitee listing their invitations needs the org's name, and declining
-- (the invitee is never a member) must still leave a trace in the org's audit log.

-- Does the caller (by normalised email) hold a live invitation to p_org? SECURITY DEFINER so that the
-- organizations policy below does not depend on the caller's view of invites; bound to
-- app_current_email(), it only ever answers for the caller.
CREATE FUNCTION app_is_invited(p_org text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT EXISTS (SELECT 1 FROM invites WHERE org_id = p_org AND invitee_email = app_current_email()
                  AND status = 'pending' AND expires_at > now()) $$;

-- read-only: an invitee sees the org row (its name) while the invitation is live, nothing more
CREATE POLICY organizations_invitee ON organizations FOR SELECT USING (app_is_invited(id));

-- an invitee may record their own decline of a live invitation in the org's log (insert only: they
-- still cannot read the log)
CREATE POLICY org_audit_events_invitee_decline ON org_audit_events FOR INSERT
  WITH CHECK (type = 'invite.declined' AND actor_id = app_current_account() AND app_is_invited(org_id));

-- A pending invitation that ran out is marked 'expired' when the email is invited again, so that the
-- one-pending-invite-per-email index holds without pretending an admin revoked it.
ALTER TABLE invites DROP CONSTRAINT invites_status_check;
ALTER TABLE invites ADD CONSTRAINT invites_status_check
  CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired'));

-- Down Migration
ALTER TABLE invites DROP CONSTRAINT invites_status_check;
UPDATE invites SET status = 'revoked' WHERE status = 'expired';
ALTER TABLE invites ADD CONSTRAINT invites_status_check
  CHECK (status IN ('pending', 'accepted', 'declined', 'revoked'));
DROP POLICY org_audit_events_invitee_decline ON org_audit_events;
DROP POLICY organizations_invitee ON organizations;
DROP FUNCTION app_is_invited(text);
