-- Up Migration

-- The functions connect as somnus_app: no table ownership, no BYPASSRLS (docs/architecture.md §4.2).
-- Deployments create it as a LOGIN role beforehand; this only guarantees it exists so grants succeed.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'somnus_app') THEN
    CREATE ROLE somnus_app NOLOGIN NOBYPASSRLS;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO somnus_app;
-- Every table and sequence the migrator creates from now on is usable (not owned) by the app role.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO somnus_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO somnus_app;

CREATE TABLE accounts (
  id                text PRIMARY KEY,
  email             text NOT NULL UNIQUE,
  first_name        text NOT NULL DEFAULT '',
  last_name         text NOT NULL DEFAULT '',
  srp_profile       text NOT NULL CHECK (srp_profile IN ('insomnia', 'rfc2945')),
  salt_key          text NOT NULL,
  salt_auth         text NOT NULL,
  salt_enc          text NOT NULL,
  verifier          text NOT NULL,
  public_key        text NOT NULL,
  enc_private_key   text NOT NULL,
  enc_symmetric_key text NOT NULL,
  email_newsletter  boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per SRP handshake between login-a and login-m1. account_id is NULL for an unknown email:
-- the handshake then runs against a fake verifier and can only fail at M1.
CREATE TABLE login_sessions (
  id             text PRIMARY KEY,
  account_id     text REFERENCES accounts(id) ON DELETE CASCADE,
  email          text NOT NULL,
  srp_profile    text NOT NULL,
  salt_auth      text NOT NULL,
  verifier       text NOT NULL,
  srp_a          text NOT NULL,
  srp_b          text NOT NULL,
  srp_b_secret   text NOT NULL, -- AES-GCM sealed under the server secret
  attempts       integer NOT NULL DEFAULT 0,
  ip             text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  consumed_at    timestamptz
);
CREATE INDEX login_sessions_expires_idx ON login_sessions (expires_at);

-- Only SHA-256 of the session token (hex(K)) is stored; `id` is a separate public handle for listing/revoking.
CREATE TABLE sessions (
  id            text PRIMARY KEY,
  token_hash    bytea NOT NULL UNIQUE,
  account_id    text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  client        text,
  ip            text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_account_idx ON sessions (account_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Failed (and successful) logins, for rate limits per email and per IP.
CREATE TABLE login_attempts (
  id          bigserial PRIMARY KEY,
  email       text NOT NULL,
  ip          text,
  succeeded   boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, created_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, created_at);

-- Single-use codes sent by email (passphrase change now, account reset later). Stored hashed.
CREATE TABLE account_codes (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('password_change', 'account_reset')),
  code_hash   bytea NOT NULL,
  attempts    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX account_codes_account_idx ON account_codes (account_id, purpose);

CREATE TABLE account_audit_events (
  id          bigserial PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  type        text NOT NULL,
  ip          text,
  client      text,
  details     jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_audit_events_account_idx ON account_audit_events (account_id, created_at);

-- Down Migration
DROP TABLE account_audit_events;
DROP TABLE account_codes;
DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE login_sessions;
DROP TABLE accounts;
