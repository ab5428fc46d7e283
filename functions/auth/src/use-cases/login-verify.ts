import type { Pool } from 'pg';
import { claimLoginAttempt, completeLogin, recordAccountEvent, recordLoginAttempt, withTransaction } from '@somnus/db';
import { ID_PREFIX, type LoginM1Response } from '@somnus/models';
import { hashSessionToken, newId, unseal } from '@somnus/runtime';
import { verifyClientProof } from '@somnus/srp';
import { MAX_M1_ATTEMPTS } from '../policy';
import { rateWindowStart, retryAfter } from '../rate-limit';
import { fail, ok, type Result } from '../result';

const BAD_CREDENTIALS = 'Invalid email or passphrase';

/**
 * login-m1: checks the client's proof (constant time, before M2 exists), then opens a session whose
 * token is hex(K) — only its SHA-256 is stored. A handshake is single-use, lives 5 minutes and
 * allows 5 proofs; a wrong proof and an unknown email fail identically.
 */
export async function loginVerify(
  db: Pool,
  secret: Buffer,
  input: { sessionStarterId: string; srpM1: string; ip: string | null; client: string | null; sessionTtlSeconds: number },
): Promise<Result<LoginM1Response>> {
  const invalid = fail<LoginM1Response>('LOGIN_SESSION_INVALID', 'Login session is unknown, expired or already used; start again');
  if (!/^lss_[0-9a-f]{32}$/.test(input.sessionStarterId)) return invalid;

  // counting the attempt is its own statement so that it sticks even when the proof is wrong
  const ls = await claimLoginAttempt(db, { id: input.sessionStarterId, ip: input.ip, since: rateWindowStart() });
  if (!ls || ls.consumed_at || ls.expired || ls.attempts > MAX_M1_ATTEMPTS) return invalid;

  const wait = retryAfter(
    {
      email: { count: ls.email_failures, oldest: ls.email_oldest_failure },
      ip: { count: ls.ip_failures, oldest: ls.ip_oldest_failure },
    },
    input.ip,
  );
  if (wait !== null) return fail('RATE_LIMITED', 'Too many failed logins; try again later', { 'Retry-After': String(wait) });

  const proof = verifyClientProof({
    profile: ls.srp_profile,
    identity: ls.email,
    saltHex: ls.salt_auth,
    verifierHex: ls.verifier,
    AHex: ls.srp_a,
    bHex: unseal(secret, ls.srp_b_secret),
    BHex: ls.srp_b,
    M1Hex: input.srpM1,
  });
  const meta = { ip: input.ip, client: input.client };

  if (!proof.ok || !ls.account_id) {
    await withTransaction(db, async (tx) => {
      await recordLoginAttempt(tx, { email: ls.email, ip: input.ip, succeeded: false });
      if (ls.account_id) await recordAccountEvent(tx, { accountId: ls.account_id, type: 'login.failed', ...meta });
    });
    return fail('INVALID_CREDENTIALS', BAD_CREDENTIALS);
  }

  const consumed = await completeLogin(db, {
    loginSessionId: ls.id,
    sessionId: newId(ID_PREFIX.session),
    tokenHash: hashSessionToken(proof.KHex),
    accountId: ls.account_id,
    ...meta,
    ttlSeconds: input.sessionTtlSeconds,
  });
  if (!consumed) return invalid;
  return ok({ srpM2: proof.M2Hex });
}
