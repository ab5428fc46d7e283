-- Up Migration

-- POST /auth/reset is limited per source like signup (docs/architecture.md §7): every try, with a known
-- email or not, counts in `reset:ip`.
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip', 'reset:ip'));

-- Down Migration
DELETE FROM rate_counters WHERE scope = 'reset:ip';
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip'));
