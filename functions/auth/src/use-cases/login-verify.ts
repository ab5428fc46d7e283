import { completeLogin, recordFailedLogin, reserveLoginFailure } from '@somnus/db';
import { ID_PREFIX, type LoginM1Response } from '@somnus/models';
import { auditMeta, fail, hashSessionToken, newId, ok, type Anonymous, type Result } from '@somnus/runtime';
import { verifyClientProof } from '@somnus/srp';
import type { AuthDeps } from '../deps';
import { fakeSalts, fakeVerifier } from '../fake-account';
import { openStarter } from '../login-starter';
import { FAILURE_WINDOW_SECONDS } from '../policy';
import { LOGIN_FAILURE_LIMITS, loginRetryAfter, rateLimited } from '../rate-limit';

const BAD_CREDENTIALS = 'Invalid email or passphrase';

/**
 * login-m1: checks the client's proof (constant time, before M2 exists), then opens a session whose
 * token is hex(K) — only its SHA-256 is stored. A starter is good for one proof within 5 minutes; a wrong
 * proof and an unknown email fail identically (docs/architecture.md §7).
 *
 * The failure is counted before the proof is checked (reserveLoginFailure, one statement that stops at the
 * limits), and given back only if the proof is right, so proofs sent at once cannot pass the limits.
 */
export async function loginVerify(
  deps: AuthDeps,
  actor: Anonymous,
  input: { sessionStarterId: string; srpM1: string },
): Promise<Result<LoginM1Response>> {
  const invalid = fail<LoginM1Response>('LOGIN_SESSION_INVALID', 'Login session is unknown, expired or already used; start again');
  const secret = deps.config.serverSecret;
  const { ip } = actor.meta;
  const now = deps.clock.now();
  const starter = openStarter(secret, input.sessionStarterId, Math.floor(now.getTime() / 1000));
  if (!starter) return invalid;

  const reservation = await reserveLoginFailure(deps.db, { email: starter.email, ip, starterId: starter.id, limits: LOGIN_FAILURE_LIMITS });
  if (!reservation.fresh) return invalid;
  // refused by a limit that a concurrent request reached first: the counters read may not show it yet
  if (!reservation.reserved) return rateLimited(loginRetryAfter(reservation.failures, now) ?? 1, 'Too many failed logins; try again later');

  // the account as it is now: after a passphrase change or reset, a starter from before cannot succeed
  const account = reservation.account;
  const proof = verifyClientProof({
    profile: account?.srp_profile ?? 'insomnia',
    identity: starter.email,
    saltHex: account?.salt_auth ?? fakeSalts(secret, starter.email).saltAuth,
    verifierHex: account?.verifier ?? fakeVerifier(secret, starter.email),
    AHex: starter.AHex,
    bHex: starter.bHex,
    BHex: starter.BHex,
    M1Hex: input.srpM1,
  });
  const meta = auditMeta(actor);
  const starterExpiresAt = new Date(starter.expiresAt * 1000);

  if (!proof.ok || !account) {
    await recordFailedLogin(deps.db, {
      starterId: starter.id,
      starterExpiresAt,
      email: starter.email,
      accountId: account?.id ?? null,
      ...meta,
      windowSeconds: FAILURE_WINDOW_SECONDS,
    });
    return fail('INVALID_CREDENTIALS', BAD_CREDENTIALS);
  }

  const completed = await completeLogin(deps.db, {
    starterId: starter.id,
    starterExpiresAt,
    email: starter.email,
    sessionId: newId(ID_PREFIX.session),
    tokenHash: hashSessionToken(proof.KHex),
    accountId: account.id,
    ...meta,
    ttlSeconds: deps.config.sessionTtlSeconds,
  });
  if (!completed) return invalid;
  return ok({ srpM2: proof.M2Hex });
}
