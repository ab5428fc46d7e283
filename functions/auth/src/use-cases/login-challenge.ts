import type { Pool } from 'pg';
import { insertLoginSession, lookupLoginChallenge } from '@somnus/db';
import { ID_PREFIX, type LoginAResponse } from '@somnus/models';
import { newId, seal } from '@somnus/runtime';
import { createServerEphemeral, isValidClientPublicKey } from '@somnus/srp';
import { fakeSalts, fakeVerifier } from '../fake-account';
import { LOGIN_SESSION_TTL_MS } from '../policy';
import { rateWindowStart, retryAfter } from '../rate-limit';
import { fail, ok, type Result } from '../result';

/**
 * login-a: stores the client's A and a fresh server ephemeral, answers B. For an unknown email the
 * handshake runs against a fake verifier (and the default profile), so the answer looks the same.
 */
export async function loginChallenge(
  db: Pool,
  secret: Buffer,
  input: { email: string; srpA: string; ip: string | null },
): Promise<Result<LoginAResponse>> {
  if (!isValidClientPublicKey(input.srpA)) return fail('VALIDATION_ERROR', 'srpA is not a valid SRP public value');
  const { account, failures } = await lookupLoginChallenge(db, { email: input.email, ip: input.ip, since: rateWindowStart() });
  const wait = retryAfter(failures, input.ip);
  if (wait !== null) return fail('RATE_LIMITED', 'Too many failed logins; try again later', { 'Retry-After': String(wait) });

  const profile = account?.srp_profile ?? 'insomnia';
  const verifier = account?.verifier ?? fakeVerifier(secret, input.email);
  const saltAuth = account?.salt_auth ?? fakeSalts(secret, input.email).saltAuth;
  const { bHex, BHex } = createServerEphemeral(profile, verifier);

  const sessionStarterId = newId(ID_PREFIX.loginSession);
  await insertLoginSession(db, {
    id: sessionStarterId,
    account_id: account?.id ?? null,
    email: input.email,
    srp_profile: profile,
    salt_auth: saltAuth,
    verifier,
    srp_a: input.srpA.padStart(512, '0'),
    srp_b: BHex,
    srp_b_secret: seal(secret, bHex),
    ip: input.ip,
    ttlSeconds: LOGIN_SESSION_TTL_MS / 1000,
  });
  return ok({ sessionStarterId, srpB: BHex });
}
