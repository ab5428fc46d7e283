-- Up Migration

-- Verified email addresses (docs/protocol.md §4.1 "Verifying the email address"). Until now signup took
-- any address, so an account's email proved nothing; from here an account is verified when its holder
-- shows they read that mailbox: the link or code of the verification email, an invitation's link token,
-- or an account-reset code. Only a verified account sees, accepts or declines the invitations addressed
-- to its email (docs/protocol.md §6).
ALTER TABLE accounts ADD COLUMN email_verified_at timestamptz;

-- Accounts that exist when this migration runs count as verified. They were created before verification
-- existed, when an invitation could only be accepted with the code mailed to the invited address, so
-- every membership they gained through an invitation was already proven by that mailbox. Leaving them
-- unverified would lock every existing user out of their pending invitations until they read a mail
-- they never asked for. The one thing given up: an account that registered an address it does not own
-- before this migration keeps a verified address (it still cannot accept an invitation it never got
-- the email for, since its pending ones were created before and carry no link token either).
UPDATE accounts SET email_verified_at = created_at;

-- The verification email carries a code (typed back, like the other account codes) and a link whose
-- token is a second secret of the same row. Only keyed hashes of either are stored; the link's hash is
-- how GET /auth/verify finds the row, since the link comes without a session.
ALTER TABLE account_codes DROP CONSTRAINT account_codes_purpose_check;
ALTER TABLE account_codes ADD CONSTRAINT account_codes_purpose_check
  CHECK (purpose IN ('password_change', 'account_reset', 'email_verification'));
ALTER TABLE account_codes ADD COLUMN link_hash bytea;
CREATE UNIQUE INDEX account_codes_link_hash_key ON account_codes (link_hash) WHERE link_hash IS NOT NULL;

-- Down Migration
DROP INDEX account_codes_link_hash_key;
ALTER TABLE account_codes DROP COLUMN link_hash;
DELETE FROM account_codes WHERE purpose = 'email_verification';
ALTER TABLE account_codes DROP CONSTRAINT account_codes_purpose_check;
ALTER TABLE account_codes ADD CONSTRAINT account_codes_purpose_check CHECK (purpose IN ('password_change', 'account_reset'));
ALTER TABLE accounts DROP COLUMN email_verified_at;
