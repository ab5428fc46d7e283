-- Up Migration

-- The quarantine for changed keys (docs/protocol.md §6, "Key approval"; docs/architecture.md §4.4). A reset
-- gives an account a new key pair; whoever took over its mailbox can do that, and the next routine re-share
-- by an admin would wrap every team key for them. So each membership remembers the fingerprint of the key
-- an owner or admin approved for that member in that org; a member whose account's current key has another
-- fingerprint is quarantined there: nothing is offered for wrapping to them until an owner or admin of
-- the org approves the new key after comparing fingerprints out of band.

-- The fingerprint of a public key, exactly as packages/models/src/fingerprint.ts computes it (fingerprintOf):
-- SHA-256 of the RFC 7638 thumbprint input {"e":…,"kty":"RSA","n":…}, shown as 6 groups of 5 digits, each
-- group 5 bytes of the digest, big-endian, modulo 100000. NULL when the stored key is not an RSA JWK (the
-- JS function would throw). Tests compare both on real keys (test/e2e/key-quarantine.test.ts, test/security/key-fingerprint-sql.test.ts).
CREATE FUNCTION app_key_fingerprint(p_key text) RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = public AS
$$
DECLARE
  j jsonb;
  d bytea;
  v bigint;
  groups text[] := '{}';
BEGIN
  BEGIN
    j := p_key::jsonb;
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END;
  IF jsonb_typeof(j) IS DISTINCT FROM 'object' OR j ->> 'kty' IS DISTINCT FROM 'RSA'
     OR jsonb_typeof(j -> 'n') IS DISTINCT FROM 'string' OR jsonb_typeof(j -> 'e') IS DISTINCT FROM 'string'
     OR j ->> 'n' = '' OR j ->> 'e' = '' THEN
    RETURN NULL;
  END IF;
  d := sha256(convert_to('{"e":' || to_json(j ->> 'e')::text || ',"kty":"RSA","n":' || to_json(j ->> 'n')::text || '}', 'UTF8'));
  FOR g IN 0..5 LOOP
    v := 0;
    FOR i IN 0..4 LOOP
      v := v * 256 + get_byte(d, g * 5 + i);
    END LOOP;
    groups := groups || lpad((v % 100000)::text, 5, '0');
  END LOOP;
  RETURN array_to_string(groups, ' ');
END
$$;

-- The account's current fingerprint follows its public key by construction (a generated column), so no
-- write path (signup, reset, a future one) can leave it stale. key_changed_at: when the public key last
-- changed after signup (a reset), for the invitation rule (docs/protocol.md §6, step 2).
ALTER TABLE accounts ADD COLUMN key_fingerprint text GENERATED ALWAYS AS (app_key_fingerprint(public_key)) STORED;
ALTER TABLE accounts ADD COLUMN key_changed_at timestamptz;

CREATE FUNCTION accounts_key_changed() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
BEGIN
  IF NEW.public_key IS DISTINCT FROM OLD.public_key THEN
    NEW.key_changed_at := now();
  ELSE
    NEW.key_changed_at := OLD.key_changed_at;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER accounts_key_changed BEFORE UPDATE ON accounts
  FOR EACH ROW EXECUTE FUNCTION accounts_key_changed();

-- The key approved for the member in this org. Existing members keep the key they have now (they were
-- trusted with it before this migration).
ALTER TABLE memberships ADD COLUMN approved_fingerprint text;
UPDATE memberships m SET approved_fingerprint = a.key_fingerprint FROM accounts a WHERE a.id = m.account_id;

-- Joining (creating an org, accepting an invitation) approves the key the account has at that moment: the
-- database sets it, so a forged insert cannot pre-approve another key. The one exception lowers trust: an
-- insert that asks for 'pending' joins quarantined (an invitee whose key changed around the invitation's
-- lifetime, docs/protocol.md §6 step 7), and an owner or admin approves the key later.
CREATE FUNCTION memberships_approve_on_join() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
BEGIN
  IF NEW.approved_fingerprint = 'pending' THEN
    NEW.approved_fingerprint := NULL;
  ELSE
    NEW.approved_fingerprint := (SELECT key_fingerprint FROM accounts WHERE id = NEW.account_id);
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER memberships_approve_on_join BEFORE INSERT ON memberships
  FOR EACH ROW EXECUTE FUNCTION memberships_approve_on_join();

-- approved_fingerprint changes only by approval: an owner or admin of the org, not the member themselves
-- (an attacker who reset an admin's account must not approve their own key), and only to the member's
-- current fingerprint (an approval cannot name a key the account does not have).
GRANT UPDATE (role, lacks_keys, approved_fingerprint) ON memberships TO somnus_app;

CREATE OR REPLACE FUNCTION memberships_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
DECLARE
  caller_role text;
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), '{role,lacks_keys,approved_fingerprint}') IS DISTINCT FROM app_row_without(to_jsonb(OLD), '{role,lacks_keys,approved_fingerprint}') THEN
    RAISE EXCEPTION 'a membership cannot move: only its role, lacks_keys and approved key change' USING ERRCODE = '42501';
  END IF;
  IF NEW.approved_fingerprint IS DISTINCT FROM OLD.approved_fingerprint THEN
    IF app_role_in(OLD.org_id) IS DISTINCT FROM 'owner' AND app_role_in(OLD.org_id) IS DISTINCT FROM 'admin' THEN
      RAISE EXCEPTION 'only an owner or admin approves a member''s key' USING ERRCODE = '42501';
    END IF;
    IF OLD.account_id = app_current_account() THEN
      RAISE EXCEPTION 'nobody approves their own key' USING ERRCODE = '42501';
    END IF;
    -- an owner or admin whose own key changed is quarantined too: whoever reset their account approves nothing
    IF NOT EXISTS (SELECT 1 FROM memberships c JOIN accounts a ON a.id = c.account_id
                    WHERE c.org_id = OLD.org_id AND c.account_id = app_current_account() AND c.approved_fingerprint = a.key_fingerprint) THEN
      RAISE EXCEPTION 'an owner or admin whose own key is not approved here approves no key' USING ERRCODE = '42501';
    END IF;
    IF NEW.approved_fingerprint IS DISTINCT FROM (SELECT key_fingerprint FROM accounts WHERE id = OLD.account_id) THEN
      RAISE EXCEPTION 'only the member''s current key can be approved' USING ERRCODE = '42501';
    END IF;
  END IF;
  IF NEW.role = OLD.role THEN
    RETURN NEW; -- lacks_keys: the policy already limits it to the member themselves and the org's owners and admins
  END IF;
  caller_role := app_role_in(OLD.org_id);
  -- the caller can update this row only as a member of its org (policy memberships_update), so it sees the org
  IF OLD.role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id AND owner_account_id = OLD.account_id) THEN
    RAISE EXCEPTION 'the owner''s role changes only after ownership was transferred' USING ERRCODE = '42501';
  END IF;
  IF caller_role = 'owner' THEN
    RETURN NEW;
  END IF;
  IF caller_role = 'admin' AND OLD.role <> 'owner' AND NEW.role <> 'owner' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'role % may not change a % into a %', coalesce(caller_role, 'non-member'), OLD.role, NEW.role USING ERRCODE = '42501';
END
$$;

-- The admins' email when a member's key changes (docs/architecture.md §11.3).
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('incident', 'verification', 'password_code', 'reset_code', 'reset_request', 'invitation', 'reshare_keys', 'key_changed'));

-- Down Migration
DELETE FROM mail_outbox WHERE kind = 'key_changed';
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
  CHECK (kind IN ('incident', 'verification', 'password_code', 'reset_code', 'reset_request', 'invitation', 'reshare_keys'));
CREATE OR REPLACE FUNCTION memberships_guard_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS
$$
DECLARE
  caller_role text;
BEGIN
  IF NOT app_guard_applies(TG_RELID) THEN
    RETURN NEW;
  END IF;
  IF app_row_without(to_jsonb(NEW), '{role,lacks_keys}') IS DISTINCT FROM app_row_without(to_jsonb(OLD), '{role,lacks_keys}') THEN
    RAISE EXCEPTION 'a membership cannot move: only its role and lacks_keys change' USING ERRCODE = '42501';
  END IF;
  IF NEW.role = OLD.role THEN
    RETURN NEW;
  END IF;
  caller_role := app_role_in(OLD.org_id);
  IF OLD.role = 'owner' AND EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id AND owner_account_id = OLD.account_id) THEN
    RAISE EXCEPTION 'the owner''s role changes only after ownership was transferred' USING ERRCODE = '42501';
  END IF;
  IF caller_role = 'owner' THEN
    RETURN NEW;
  END IF;
  IF caller_role = 'admin' AND OLD.role <> 'owner' AND NEW.role <> 'owner' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'role % may not change a % into a %', coalesce(caller_role, 'non-member'), OLD.role, NEW.role USING ERRCODE = '42501';
END
$$;
REVOKE UPDATE (approved_fingerprint) ON memberships FROM somnus_app;
DROP TRIGGER memberships_approve_on_join ON memberships;
DROP FUNCTION memberships_approve_on_join();
ALTER TABLE memberships DROP COLUMN approved_fingerprint;
DROP TRIGGER accounts_key_changed ON accounts;
DROP FUNCTION accounts_key_changed();
ALTER TABLE accounts DROP COLUMN key_changed_at;
ALTER TABLE accounts DROP COLUMN key_fingerprint;
DROP FUNCTION app_key_fingerprint(text);
