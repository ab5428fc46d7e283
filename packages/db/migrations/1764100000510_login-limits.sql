-- Up Migration

-- Rate counters of the login and signup limits (docs/architecture.md §7): one row per (scope, email, ip),
-- counting `hits` until `resets_at`, when the next hit starts a new window. Scopes:
--   login-failures:pair   failed proofs of one email from one source (hard limit)
--   login-failures:ip     failed proofs from one source, any email (hard limit)
--   login-failures:email  failed proofs of one email, any source (only slows sources that fail themselves)
--   login-start:ip        handshakes (login-a) started by one source
--   signup:ip             signups tried from one source
-- `email` or `ip` is '' where the scope does not use it. A failure is counted before its proof is checked
-- and given back if the proof is right, so concurrent guesses cannot pass the limit.
-- UNLOGGED: the windows last minutes, and a crash only restarts them once (nobody outside can cause one),
-- while login-a and the reservation at M1 then cost no WAL flush.
CREATE UNLOGGED TABLE rate_counters (
  scope      text NOT NULL CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip')),
  email      text NOT NULL DEFAULT '',
  ip         text NOT NULL DEFAULT '',
  hits       integer NOT NULL CHECK (hits >= 0),
  resets_at  timestamptz NOT NULL,
  last_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, email, ip)
);
-- No index on resets_at: every login writes rows here, and the hourly cleanup can scan a table that only
-- holds the windows of the last hour.

-- Login handshakes are no longer stored: login-a hands out a sealed sessionStarterId (docs/protocol.md §3).
-- Only its use is recorded, at M1, so that each one is good for one proof. Logged: forgetting a use would
-- let a starter be replayed within its 5 minutes.
CREATE TABLE login_starters_used (
  id          bytea PRIMARY KEY CHECK (length(id) = 16),
  expires_at  timestamptz NOT NULL
);
-- No index on expires_at either: the hourly cleanup scans the starters of the last hours.

DROP TABLE login_sessions;
DROP TABLE login_attempts;

-- Down Migration
CREATE TABLE login_attempts (
  id          bigserial PRIMARY KEY,
  email       text NOT NULL,
  ip          text,
  succeeded   boolean NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, created_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, created_at);

CREATE UNLOGGED TABLE login_sessions (
  id             text PRIMARY KEY,
  account_id     text REFERENCES accounts(id) ON DELETE CASCADE,
  email          text NOT NULL,
  srp_profile    text NOT NULL,
  salt_auth      text NOT NULL,
  verifier       text NOT NULL,
  srp_a          text NOT NULL,
  srp_b          text NOT NULL,
  srp_b_secret   text NOT NULL,
  attempts       integer NOT NULL DEFAULT 0,
  ip             text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  consumed_at    timestamptz
);
CREATE INDEX login_sessions_expires_idx ON login_sessions (expires_at);

DROP TABLE login_starters_used;
DROP TABLE rate_counters;
