-- Up Migration

-- Breach incidents and the mail outbox (issue 12; docs/architecture.md §11.3).
--
-- None of these tables is tenant data: an incident is the operator's record, its recipients span
-- organizations, and the outbox holds every email the server sends, whatever caused it. They carry no
-- org_id and no RLS, like mail_sends; the app role reads and writes them through the repositories only.

-- One breach incident as an operator recorded it. `idempotency_key` is the operator's (the CLI makes one
-- per invocation): recording the same key twice returns the first incident.
CREATE TABLE incidents (
  id               text PRIMARY KEY CHECK (id ~ '^inc_[0-9a-f]{32}$'),
  idempotency_key  text NOT NULL UNIQUE,
  title            text NOT NULL,
  summary          text NOT NULL,
  details          text NOT NULL DEFAULT '',
  severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  -- {"type":"all"} | {"type":"orgs","ids":[…]} | {"type":"accounts","ids":[…]}
  scope            jsonb NOT NULL,
  postmortem_url   text,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_created_idx ON incidents (created_at DESC);

-- Who was in scope when the incident was recorded: later signups or membership changes do not change
-- who is told. The email is the address at that moment.
CREATE TABLE incident_recipients (
  incident_id  text NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  account_id   text NOT NULL,
  email        text NOT NULL,
  PRIMARY KEY (incident_id, account_id)
);

-- One row per email. Written in the transaction that causes the email; published to Pub/Sub
-- (`breach-notifications`) by the dispatcher; sent once by `notify`.
--   queued     written, not yet acknowledged by Pub/Sub
--   published  Pub/Sub acknowledged the message
--   sending    `notify` claimed it (claim_token, claimed_at) and is talking to SMTP
--   sent       the SMTP server accepted it
--   failed     given up after `attempts` tries, or refused for good; last_error says why (no address)
-- `dedupe_key` is the exactly-once key: (incident, account) for breach notices, the causing row for the
-- others. `data` is what the template needs; a code in it is cleared once the email is sent or failed.
CREATE TABLE mail_outbox (
  id                bigserial PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('incident', 'verification', 'password_code', 'reset_code', 'invitation', 'reshare_keys')),
  dedupe_key        text NOT NULL UNIQUE,
  incident_id       text REFERENCES incidents(id) ON DELETE CASCADE,
  account_id        text,
  email             text NOT NULL,
  data              jsonb NOT NULL DEFAULT '{}',
  state             text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'published', 'sending', 'sent', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  last_error        text,
  dispatch_until    timestamptz,
  claim_token       text,
  claimed_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  published_at      timestamptz,
  sent_at           timestamptz,
  failed_at         timestamptz,
  CHECK ((kind = 'incident') = (incident_id IS NOT NULL))
);
CREATE INDEX mail_outbox_unpublished_idx ON mail_outbox (id) WHERE state IN ('queued', 'published', 'sending');
CREATE INDEX mail_outbox_incident_idx ON mail_outbox (incident_id, state) WHERE incident_id IS NOT NULL;

-- The recipients of an incident, by its stored scope, written into incident_recipients; answers how many.
-- SECURITY DEFINER (owned by the migrator) because memberships are under RLS and an operator's incident
-- spans organizations. It returns no address and no id, only a count, and reads the scope from the
-- incident row itself, so the app role gains no way to list the members of an organization with it.
CREATE FUNCTION app_snapshot_incident_recipients(p_incident text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_scope jsonb;
  v_count integer;
BEGIN
  SELECT scope INTO v_scope FROM incidents WHERE id = p_incident;
  IF v_scope IS NULL THEN
    RAISE EXCEPTION 'no incident %', p_incident;
  END IF;
  IF EXISTS (SELECT 1 FROM incident_recipients WHERE incident_id = p_incident) THEN
    RAISE EXCEPTION 'incident % already has its recipients', p_incident;
  END IF;
  IF v_scope->>'type' = 'all' THEN
    INSERT INTO incident_recipients (incident_id, account_id, email)
    SELECT p_incident, a.id, a.email FROM accounts a;
  ELSIF v_scope->>'type' = 'orgs' THEN
    INSERT INTO incident_recipients (incident_id, account_id, email)
    SELECT DISTINCT p_incident, a.id, a.email
    FROM memberships m JOIN accounts a ON a.id = m.account_id
    WHERE m.org_id IN (SELECT jsonb_array_elements_text(v_scope->'ids'));
  ELSIF v_scope->>'type' = 'accounts' THEN
    INSERT INTO incident_recipients (incident_id, account_id, email)
    SELECT p_incident, a.id, a.email FROM accounts a
    WHERE a.id IN (SELECT jsonb_array_elements_text(v_scope->'ids'));
  ELSE
    RAISE EXCEPTION 'unknown scope type';
  END IF;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;
REVOKE ALL ON FUNCTION app_snapshot_incident_recipients(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_snapshot_incident_recipients(text) TO somnus_app;

-- Which of the given organization ids exist (for refusing an unknown scope before anything is written).
-- SECURITY DEFINER for the same reason; answers only ids the caller already named.
CREATE FUNCTION app_existing_org_ids(p_ids text[]) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM organizations WHERE id = ANY(p_ids)
$$;
REVOKE ALL ON FUNCTION app_existing_org_ids(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_existing_org_ids(text[]) TO somnus_app;

-- Down Migration
DROP FUNCTION app_existing_org_ids(text[]);
DROP FUNCTION app_snapshot_incident_recipients(text);
DROP TABLE mail_outbox;
DROP TABLE incident_recipients;
DROP TABLE incidents;
