-- Up Migration

-- POST /auth/send-reset-code does the same work for every email (docs/architecture.md §11.3, issue 9 §5):
-- it writes one `reset_request` outbox row and answers. `notify` looks the account up, applies the limits,
-- issues the code and sends the email; a request for an unknown email, or over a limit, is settled as
-- `skipped`: nothing is sent, and the address and the request's details are cleared from the row.
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('incident', 'verification', 'password_code', 'reset_code', 'reset_request', 'invitation', 'reshare_keys'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_state_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_state_check
  CHECK (state IN ('queued', 'published', 'sending', 'sent', 'failed', 'skipped'));

-- Down Migration
DELETE FROM mail_outbox WHERE kind = 'reset_request' OR state = 'skipped';
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_state_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_state_check
  CHECK (state IN ('queued', 'published', 'sending', 'sent', 'failed'));
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('incident', 'verification', 'password_code', 'reset_code', 'invitation', 'reshare_keys'));
