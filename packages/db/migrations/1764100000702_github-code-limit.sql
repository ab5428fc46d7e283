-- Up Migration

-- POST /v1/oauth/github needs no session (the app sends none) and makes an outbound request carrying the
-- operator's client secret: it is limited per source (docs/architecture.md §7), counted in `github-code:ip`.
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip', 'reset:ip', 'github-code:ip'));

-- Down Migration
DELETE FROM rate_counters WHERE scope = 'github-code:ip';
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip', 'reset:ip'));
