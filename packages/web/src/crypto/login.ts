/**
 * SRP login from the browser (docs/protocol.md §4.1): login-s → login-a → login-m1, then whoami. The
 * passphrase never leaves this function; the server sees only A and M1. Returns what the sign-in page
 * hands to the app (docs/protocol.md §4.2): `token` = hex(K) and `key` = deriveKey(…, saltEnc).
 */
import type { WhoamiResponse } from '@somnus/models';
import { unwrapSymmetricKey } from './account';
import { deriveKey } from './derive-key';
import { hexToBytes } from './encoding';
import { AuthFlowError, WebCryptoError } from './errors';
import { normaliseEmail, normalisePassphrase } from './normalise';
import { computeClientSession, createClientEphemeral, verifyServerProof } from './srp-client';

/** Does one HTTP request; `sessionId` goes out as the X-Session-Id header. Body is the parsed JSON. */
export type ApiCall = (method: string, path: string, body?: unknown, sessionId?: string) => Promise<{ status: number; body: any }>;

export interface SrpLoginResult {
  /** hex(K), the session token for X-Session-Id. Secret. */
  token: string;
  /** hex of deriveKey(passphrase, email, saltEnc): opens encSymmetricKey. Secret. */
  key: string;
  whoami: WhoamiResponse;
}

/** The server's refusal as the person should read it: its own message (which says what to do), else the step and status. */
function serverError(what: string, res: { status: number; body: any }): AuthFlowError {
  const code = typeof res.body?.error === 'string' ? (res.body.error as string) : 'BAD_RESPONSE';
  const message = typeof res.body?.message === 'string' && res.body.message ? (res.body.message as string) : `Signing in failed at ${what} (HTTP ${res.status}); try again.`;
  return new AuthFlowError(code, message, res.status);
}

function stringField(res: { body: any }, name: string, what: string): string {
  const v: unknown = res.body?.[name];
  if (typeof v !== 'string') throw new AuthFlowError('BAD_RESPONSE', `${what}: the answer has no ${name}`);
  return v;
}

export async function srpLogin(call: ApiCall, email: string, passphrase: string): Promise<SrpLoginResult> {
  const mail = normaliseEmail(email);
  const pass = normalisePassphrase(passphrase);
  // Refused before any request: an empty secret would still derive a key and spend a login attempt.
  if (!mail) throw new WebCryptoError('EMPTY_EMAIL', 'The email must not be empty');
  if (!pass) throw new WebCryptoError('EMPTY_PASSPHRASE', 'The passphrase must not be empty');

  const s = await call('POST', '/auth/login-s', { email: mail });
  if (s.status !== 200) throw serverError('login-s', s);
  const saltKey = stringField(s, 'saltKey', 'login-s');
  const saltAuth = stringField(s, 'saltAuth', 'login-s');

  const ephemeral = createClientEphemeral();
  // PBKDF2 (WebCrypto, off the main thread) overlaps the login-a round trip.
  const [authSecretHex, a] = await Promise.all([deriveKey(pass, mail, saltKey), call('POST', '/auth/login-a', { email: mail, srpA: ephemeral.AHex })]);
  if (a.status !== 200) throw serverError('login-a', a);

  // Throws on a B a client must refuse, before anything is derived from it.
  const session = computeClientSession({
    identity: mail,
    saltHex: saltAuth,
    password: hexToBytes(authSecretHex),
    aHex: ephemeral.aHex,
    AHex: ephemeral.AHex,
    BHex: stringField(a, 'srpB', 'login-a'),
  });

  const m1 = await call('POST', '/auth/login-m1', { sessionStarterId: stringField(a, 'sessionStarterId', 'login-a'), srpM1: session.M1Hex });
  if (m1.status === 401 && m1.body?.error === 'INVALID_CREDENTIALS') {
    // The server cannot tell (and does not say) whether the email has an account.
    throw new AuthFlowError('INVALID_CREDENTIALS', 'Wrong email or passphrase', 401);
  }
  if (m1.status !== 200) throw serverError('login-m1', m1);
  // Only a server that knows the verifier can answer M2; without this check we could be talking to anyone.
  if (!verifyServerProof(session.expectedM2Hex, m1.body?.srpM2)) {
    throw new AuthFlowError('SERVER_PROOF', 'The server did not prove it knows the account (M2 mismatch); not logged in');
  }
  const token = session.KHex;

  const who = await call('GET', '/auth/whoami', undefined, token);
  if (who.status !== 200) throw serverError('whoami', who);
  const whoami = who.body as WhoamiResponse;
  const key = await deriveKey(pass, mail, stringField(who, 'saltEnc', 'whoami'));
  // The app will open its keys with `key`; check here, where the user can still retype the passphrase.
  await unwrapSymmetricKey(key, stringField(who, 'encSymmetricKey', 'whoami'));
  return { token, key, whoami };
}
