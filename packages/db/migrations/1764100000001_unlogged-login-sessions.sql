-- Up Migration

-- An SRP handshake lives 5 minutes. Losing the open ones in a crash only means those clients start
-- their login again, so the table skips the WAL: login-a and login-m1 then cost no fsync each.
ALTER TABLE login_sessions SET UNLOGGED;

-- Down Migration
ALTER TABLE login_sessions SET LOGGED;
