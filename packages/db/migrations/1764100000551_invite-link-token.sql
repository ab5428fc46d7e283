-- Up Migration

-- Accepting an invitation no longer takes the code from its email (docs/protocol.md §6): the invitee's
-- account must have a verified address instead (…_550_email-verification), which is what the code stood in
-- for. The code's columns go; the guard of …_520 reads them by name from the row's JSON, so it keeps working
-- without them, and their column grants go with them.
--
-- An invitation email carries a link with a token tied to the invitation and its address: using it (signing
-- up with it, or from the session of the account with that address) verifies the address, so someone who
-- signs up from the invitation needs no second email. Only its keyed hash is stored; the token dies with the
-- invitation (accepted, declined, revoked or expired). No one changes it (not granted, and the guard of
-- …_520 freezes every column it does not list).
ALTER TABLE invites ADD COLUMN link_token_hash bytea;
CREATE UNIQUE INDEX invites_link_token_hash_key ON invites (link_token_hash) WHERE link_token_hash IS NOT NULL;
ALTER TABLE invites DROP COLUMN accept_attempts;
ALTER TABLE invites DROP COLUMN accept_code_hash;

-- Invitations pending now, to an address that has an account, were waiting for their code. That account is
-- verified by …_550 without having proven anything, so, with the code gone, it could join without ever
-- having read the invitation. They are closed as expired: the organization invites again (its admins see
-- them gone from the list), and the new email reaches the mailbox. Invitations to addresses without an
-- account stay pending: whoever signs up with that address later must verify it first.
UPDATE invites SET status = 'expired', responded_at = now()
 WHERE status = 'pending' AND invitee_email IN (SELECT email FROM accounts);

-- Joining with an invitation needs, besides a live invitation with that role, a caller whose account has
-- verified the invited address: the database's own check of the rule the use case applies (docs/architecture.md
-- §4.4), so a forged statement of an unverified account joins nothing. Owners of a new org are unchanged.
CREATE OR REPLACE FUNCTION app_may_join_as(p_org text, p_role text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT (p_role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account()))
       OR (p_role <> 'owner'
           AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = app_current_account() AND a.email = app_current_email()
                          AND a.email_verified_at IS NOT NULL)
           AND EXISTS (SELECT 1 FROM invites i WHERE i.org_id = p_org AND i.invitee_email = app_current_email()
                          AND i.role = p_role AND i.status = 'pending' AND i.expires_at > now())) $$;

-- Down Migration
-- invitations made without a code cannot get one back; as in …_150, a NULL code is never acceptable
CREATE OR REPLACE FUNCTION app_may_join_as(p_org text, p_role text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT (p_role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = p_org AND owner_account_id = app_current_account()))
       OR (p_role <> 'owner' AND EXISTS (SELECT 1 FROM invites i WHERE i.org_id = p_org AND i.invitee_email = app_current_email()
                  AND i.role = p_role AND i.status = 'pending' AND i.expires_at > now()
                  AND to_jsonb(i) -> 'accept_code_hash' IS DISTINCT FROM 'null'::jsonb
                  AND coalesce((to_jsonb(i) ->> 'accept_attempts')::integer, 0) < 5)) $$;
ALTER TABLE invites ADD COLUMN accept_code_hash bytea;
ALTER TABLE invites ADD COLUMN accept_attempts integer NOT NULL DEFAULT 0 CHECK (accept_attempts >= 0);
GRANT UPDATE (accept_attempts) ON invites TO somnus_app;
DROP INDEX invites_link_token_hash_key;
ALTER TABLE invites DROP COLUMN link_token_hash;
