import { claimLoginAttempt, completeLogin, recordAccountEvent, recordLoginAttempt, withTransaction } from '@somnus/db';
import { ID_PREFIX, type LoginM1Response } from '@somnus/models';
import { auditMeta, fail, hashSessionToken, newId, ok, unseal, type Anonymous, type Result } from '@somnus/runtime';
import { verifyClientProof } from '@somnus/srp';
import type { AuthDeps } from '../deps';
import { MAX_M1_ATTEMPTS } from '../policy';
import { rateWindowStart, retryAfter } from '../rate-limit';

const BAD_CREDENTIALS = 'Invalid email or passphrase';

/**
 * login-m1: checks the client's proof (constant time, before M2 exists), then opens a session whose
 * token is hex(K) — only its SHA-256 is stored. A handshake is single-use, lives 5 minutes and
 * allows 5 proofs; a wrong proof and an unknown email fail identically.
 */
export async function loginVerify(
  deps: AuthDeps,
  actor: Anonymous,
  input: { sessionStarterId: string; srpM1: string },
): Promise<Result<LoginM1Response>> {
  const invalid = fail<LoginM1Response>('LOGIN_SESSION_INVALID', 'Login session is unknown, expired or already used; start again');
  if (!/^lss_[0-9a-f]{32}$/.test(input.sessionStarterId)) return invalid;
  const { ip } = actor.meta;
  const now = deps.clock.now();

  // counting the attempt is its own statement so that it sticks even when the proof is wrong
  const ls = await claimLoginAttempt(deps.db, { id: input.sessionStarterId, ip, since: rateWindowStart(now) });
  if (!ls || ls.consumed_at || ls.expired || ls.attempts > MAX_M1_ATTEMPTS) return invalid;

  const wait = retryAfter(
    {
      email: { count: ls.email_failures, oldest: ls.email_oldest_failure },
      ip: { count: ls.ip_failures, oldest: ls.ip_oldest_failure },
    },
    ip,
    now,
  );
  if (wait !== null) return fail('RATE_LIMITED', 'Too many failed logins; try again later', { headers: { 'Retry-After': String(wait) } });

  const proof = verifyClientProof({
    profile: ls.srp_profile,
    identity: ls.email,
    saltHex: ls.salt_auth,
    verifierHex: ls.verifier,
    AHex: ls.srp_a,
    bHex: unseal(deps.config.serverSecret, ls.srp_b_secret),
    BHex: ls.srp_b,
    M1Hex: input.srpM1,
  });
  const meta = auditMeta(actor);

  if (!proof.ok || !ls.account_id) {
    await withTransaction(deps.db, async (tx) => {
      await recordLoginAttempt(tx, { email: ls.email, ip, succeeded: false });
      if (ls.account_id) await recordAccountEvent(tx, { accountId: ls.account_id, type: 'login.failed', ...meta });
    });
    return fail('INVALID_CREDENTIALS', BAD_CREDENTIALS);
  }

  const consumed = await completeLogin(deps.db, {
    loginSessionId: ls.id,
    sessionId: newId(ID_PREFIX.session),
    tokenHash: hashSessionToken(proof.KHex),
    accountId: ls.account_id,
    ...meta,
    ttlSeconds: deps.config.sessionTtlSeconds,
  });
  if (!consumed) return invalid;
  return ok({ srpM2: proof.M2Hex });
}
