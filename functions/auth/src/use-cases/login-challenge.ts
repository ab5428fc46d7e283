import { insertLoginSession, lookupLoginChallenge } from '@somnus/db';
import { ID_PREFIX, type LoginAResponse } from '@somnus/models';
import { fail, newId, ok, seal, type Anonymous, type Result } from '@somnus/runtime';
import { createServerEphemeral, isValidClientPublicKey } from '@somnus/srp';
import type { AuthDeps } from '../deps';
import { fakeSalts, fakeVerifier } from '../fake-account';
import { LOGIN_SESSION_TTL_MS } from '../policy';
import { rateWindowStart, retryAfter } from '../rate-limit';

/**
 * login-a: stores the client's A and a fresh server ephemeral, answers B. For an unknown email the
 * handshake runs against a fake verifier (and the default profile), so the answer looks the same.
 */
export async function loginChallenge(deps: AuthDeps, actor: Anonymous, input: { email: string; srpA: string }): Promise<Result<LoginAResponse>> {
  const secret = deps.config.serverSecret;
  const ip = actor.meta.ip;
  const now = deps.clock.now();
  if (!isValidClientPublicKey(input.srpA)) return fail('VALIDATION_ERROR', 'srpA is not a valid SRP public value');
  const { account, failures } = await lookupLoginChallenge(deps.db, { email: input.email, ip, since: rateWindowStart(now) });
  const wait = retryAfter(failures, ip, now);
  if (wait !== null) return fail('RATE_LIMITED', 'Too many failed logins; try again later', { headers: { 'Retry-After': String(wait) } });

  const profile = account?.srp_profile ?? 'insomnia';
  const verifier = account?.verifier ?? fakeVerifier(secret, input.email);
  const saltAuth = account?.salt_auth ?? fakeSalts(secret, input.email).saltAuth;
  const { bHex, BHex } = createServerEphemeral(profile, verifier);

  const sessionStarterId = newId(ID_PREFIX.loginSession);
  await insertLoginSession(deps.db, {
    id: sessionStarterId,
    account_id: account?.id ?? null,
    email: input.email,
    srp_profile: profile,
    salt_auth: saltAuth,
    verifier,
    srp_a: input.srpA.padStart(512, '0'),
    srp_b: BHex,
    srp_b_secret: seal(secret, bHex),
    ip,
    ttlSeconds: LOGIN_SESSION_TTL_MS / 1000,
  });
  return ok({ sessionStarterId, srpB: BHex });
}
