-- Up Migration

-- Every email a request makes the server send (verification, passphrase-change and reset codes,
-- invitations), counted per recipient and per sender so neither can be used to flood a mailbox
-- (docs/architecture.md §11.1, limits in packages/runtime/src/mail-limits.ts). A row is written in the
-- transaction that decides to send, before the email goes out, so concurrent requests see each other.
--
-- Not tenant data (no org_id): the recipient of an invitation may have no account, and the counts must
-- hold across organizations. The address itself is not stored, only an HMAC of it under the server
-- secret, so this table is no list of who was mailed. The sender is the account whose request caused the
-- email, or for a request without a session (a reset code) the client's IP.
CREATE TABLE mail_sends (
  id                bigserial PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('verification', 'password_code', 'reset_code', 'invitation')),
  recipient_hash    bytea NOT NULL,
  sender_account_id text,
  sender_ip         text,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_sends_recipient_idx ON mail_sends (recipient_hash, kind, created_at);
CREATE INDEX mail_sends_sender_account_idx ON mail_sends (sender_account_id, kind, created_at) WHERE sender_account_id IS NOT NULL;
CREATE INDEX mail_sends_sender_ip_idx ON mail_sends (sender_ip, kind, created_at) WHERE sender_ip IS NOT NULL;

-- Down Migration
DROP TABLE mail_sends;
