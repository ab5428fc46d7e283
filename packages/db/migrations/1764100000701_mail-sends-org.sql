-- Up Migration

-- Mail limits that a stranger cannot turn against the owner (docs/architecture.md §11.1): invitation emails
-- are limited per (recipient, organization), with only a looser ceiling per recipient, so one throwaway
-- organization inviting and revoking an address cannot use up the day's invitations of the real team.
-- The inviting organization of each invitation email is recorded for that. Named sender_org_id, not
-- org_id: this is no tenant table (no RLS; an invitation's recipient may have no account), and the
-- tenant-table checks find tenant tables by an `org_id` column.
ALTER TABLE mail_sends ADD COLUMN sender_org_id text;

-- Down Migration
ALTER TABLE mail_sends DROP COLUMN sender_org_id;
