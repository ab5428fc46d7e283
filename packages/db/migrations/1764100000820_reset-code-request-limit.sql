-- Up Migration

-- POST /auth/send-reset-code writes one outbox row for any email (the same work whether an account exists):
-- the requests themselves are limited per source (docs/architecture.md §7), counted in `reset-code:ip`
-- before anything else, known emails and unknown alike, so the limit tells nothing about accounts.
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip', 'reset:ip', 'github-code:ip', 'reset-code:ip'));

-- Down Migration
DELETE FROM rate_counters WHERE scope = 'reset-code:ip';
ALTER TABLE rate_counters DROP CONSTRAINT rate_counters_scope_check;
ALTER TABLE rate_counters ADD CONSTRAINT rate_counters_scope_check
  CHECK (scope IN ('login-failures:pair', 'login-failures:ip', 'login-failures:email', 'login-start:ip', 'signup:ip', 'reset:ip', 'github-code:ip'));
