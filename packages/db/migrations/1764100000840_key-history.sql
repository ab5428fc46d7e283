-- Up Migration

-- The append-only key history (docs/key-authenticity.md §2): every public key an account has had, as a hash
-- chain. Entries are written only by the trigger below, in the transaction that inserts the account or changes
-- accounts.public_key, so no code path can change a key without an entry. The app role may only read them.

-- The fingerprint of docs/key-authenticity.md §1 is app_key_fingerprint (migration 830, the same function as
-- packages/models/src/fingerprint.ts). It is NULL for a stored key that is not an RSA public JWK (only
-- hand-made test rows); the history stores '' then, which can never match a client's check.

-- The time as it is hashed and answered: UTC, milliseconds, the format of JavaScript's Date#toISOString.
CREATE FUNCTION app_key_history_time(p_at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = public AS
$$ SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- hash = hex(SHA-256(UTF-8("somnus-key-history-v1" LF seq LF accountId LF fingerprint LF createdAt LF prevHash)))
-- (docs/key-authenticity.md §2.1; the SDK recomputes it in packages/client/src/trust/history.ts).
CREATE FUNCTION app_key_history_hash(p_seq integer, p_account text, p_fingerprint text, p_created_at text, p_prev text)
RETURNS text LANGUAGE sql IMMUTABLE
SET search_path = public AS
$$ SELECT encode(sha256(convert_to(concat_ws(E'\n', 'somnus-key-history-v1', p_seq::text, p_account, p_fingerprint, p_created_at, p_prev), 'UTF8')), 'hex') $$;

CREATE TABLE account_key_history (
  account_id  text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  seq         integer NOT NULL CHECK (seq >= 1),
  fingerprint text NOT NULL,
  created_at  timestamptz NOT NULL,
  prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (account_id, seq)
);

-- Append-only for the app role: it reads, and nothing else (the default privileges of the first migration
-- granted it INSERT, UPDATE and DELETE on every new table). Entries come from the trigger, which runs as the
-- table owner.
REVOKE ALL ON account_key_history FROM somnus_app;
GRANT SELECT ON account_key_history TO somnus_app;

-- Who may read an account's history: whoever may read its public key today (docs/key-authenticity.md §3) —
-- a co-member (app_shares_org, as GET /v1/keys/accounts/:accountId), and an inviter, since invite
-- instructions hand any account's public key to a verified owner or admin of a team org (the SDK checks an
-- invitee's history before wrapping keys for them).
CREATE FUNCTION app_may_read_key_history(p_account text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS
$$ SELECT p_account = app_current_account()
       OR app_shares_org(p_account)
       OR (app_current_email() IS NOT NULL AND EXISTS (
             SELECT 1 FROM memberships m JOIN organizations o ON o.id = m.org_id
              WHERE m.account_id = app_current_account() AND m.role IN ('owner', 'admin') AND o.type = 'team')) $$;

ALTER TABLE account_key_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY account_key_history_read ON account_key_history FOR SELECT USING (app_may_read_key_history(account_id));

-- Entry n+1 for a new or changed public key, in the same transaction. SECURITY DEFINER: the app role cannot
-- write the table itself. The account row's lock (held by the INSERT or UPDATE that fired this) serialises
-- appends per account; the primary key is the second guard.
CREATE FUNCTION app_append_key_history() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS
$$
DECLARE
  v_last account_key_history%ROWTYPE;
  v_seq integer := 1;
  v_prev text := repeat('0', 64);
  v_at timestamptz := date_trunc('milliseconds', now());
  v_fp text := coalesce(app_key_fingerprint(NEW.public_key), '');
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.public_key IS NOT DISTINCT FROM OLD.public_key THEN
    RETURN NULL;
  END IF;
  SELECT * INTO v_last FROM account_key_history WHERE account_id = NEW.id ORDER BY seq DESC LIMIT 1;
  IF FOUND THEN
    v_seq := v_last.seq + 1;
    v_prev := v_last.hash;
    -- never earlier than the entry before it, even if the clock stepped back
    v_at := greatest(v_at, v_last.created_at);
  END IF;
  INSERT INTO account_key_history (account_id, seq, fingerprint, created_at, prev_hash, hash)
  VALUES (NEW.id, v_seq, v_fp, v_at, v_prev, app_key_history_hash(v_seq, NEW.id, v_fp, app_key_history_time(v_at), v_prev));
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION app_append_key_history() FROM PUBLIC;

CREATE TRIGGER accounts_key_history AFTER INSERT OR UPDATE OF public_key ON accounts
  FOR EACH ROW EXECUTE FUNCTION app_append_key_history();

-- Accounts that exist already: their current key is entry 1.
INSERT INTO account_key_history (account_id, seq, fingerprint, created_at, prev_hash, hash)
SELECT a.id, 1, coalesce(app_key_fingerprint(a.public_key), ''), date_trunc('milliseconds', a.updated_at), repeat('0', 64),
       app_key_history_hash(1, a.id, coalesce(app_key_fingerprint(a.public_key), ''), app_key_history_time(date_trunc('milliseconds', a.updated_at)), repeat('0', 64))
  FROM accounts a;

-- Down Migration
DROP TRIGGER accounts_key_history ON accounts;
DROP FUNCTION app_append_key_history();
DROP TABLE account_key_history;
DROP FUNCTION app_may_read_key_history(text);
DROP FUNCTION app_key_history_hash(integer, text, text, text, text);
DROP FUNCTION app_key_history_time(timestamptz);
