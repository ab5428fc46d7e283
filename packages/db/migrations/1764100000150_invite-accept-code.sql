-- Up Migration

-- Accepting an invitation used to need only an account whose email equals the invited one, but an
-- account's email is not proof of owning that mailbox (signup does not verify it). An invitation now
-- carries a single-use code mailed to the invitee; accept needs it. Stored as an HMAC keyed with the
-- server secret, never in the clear. Invitations created before this have no code (NULL) and cannot
-- be accepted: the org re-invites, which mails a code.
ALTER TABLE invites ADD COLUMN accept_code_hash bytea;
-- wrong codes tried; at 5 the invitation cannot be accepted with any code
ALTER TABLE invites ADD COLUMN accept_attempts integer NOT NULL DEFAULT 0 CHECK (accept_attempts >= 0);

-- Down Migration
ALTER TABLE invites DROP COLUMN accept_attempts;
ALTER TABLE invites DROP COLUMN accept_code_hash;
