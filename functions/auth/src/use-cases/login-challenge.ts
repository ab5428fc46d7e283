import { lookupLoginStart } from '@somnus/db';
import type { LoginAResponse } from '@somnus/models';
import { fail, ok, type Anonymous, type Result } from '@somnus/runtime';
import { createServerEphemeral, isValidClientPublicKey } from '@somnus/srp';
import type { AuthDeps } from '../deps';
import { fakeVerifier } from '../fake-account';
import { sealStarter } from '../login-starter';
import { LOGIN_START_WINDOW_SECONDS, LOGIN_STARTER_TTL_SECONDS, MAX_LOGIN_STARTS_PER_IP } from '../policy';
import { loginRetryAfter, rateLimited, requestRetryAfter } from '../rate-limit';

/**
 * login-a: answers B and a sealed sessionStarterId carrying what M1 needs (b, B, A, the email, the
 * expiry), and stores no handshake (docs/protocol.md §3). The one write is the source's handshake count:
 * each handshake costs a modexp, so a source gets a limited number. For an unknown email the handshake
 * runs against a fake verifier (and the default profile), so the answer looks the same.
 */
export async function loginChallenge(deps: AuthDeps, actor: Anonymous, input: { email: string; srpA: string }): Promise<Result<LoginAResponse>> {
  const secret = deps.config.serverSecret;
  const now = deps.clock.now();
  if (!isValidClientPublicKey(input.srpA)) return fail('VALIDATION_ERROR', 'srpA is not a valid SRP public value');
  const { account, starts, failures } = await lookupLoginStart(deps.db, { email: input.email, ip: actor.meta.ip, startWindowSeconds: LOGIN_START_WINDOW_SECONDS });
  const tooMany = requestRetryAfter(starts, MAX_LOGIN_STARTS_PER_IP, now);
  if (tooMany !== null) return rateLimited(tooMany, 'Too many logins started from this address; try again later');
  const wait = loginRetryAfter(failures, now);
  if (wait !== null) return rateLimited(wait, 'Too many failed logins; try again later');

  const profile = account?.srp_profile ?? 'insomnia';
  const verifier = account?.verifier ?? fakeVerifier(secret, input.email);
  const { bHex, BHex } = createServerEphemeral(profile, verifier);
  const sessionStarterId = sealStarter(secret, {
    expiresAt: Math.floor(now.getTime() / 1000) + LOGIN_STARTER_TTL_SECONDS,
    bHex,
    BHex,
    AHex: input.srpA,
    email: input.email,
  });
  return ok({ sessionStarterId, srpB: BHex });
}
