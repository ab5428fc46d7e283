/**
 * SomnusClient against the REAL stack (test/support/stack.ts: Postgres, every function behind the
 * gateway, an SMTP sink). The client's `fetch` is a recorder that forwards to the real server, so
 * the tests can see exactly what the client sends: normalised email, no passphrase, headers, the
 * request order. The client-side rules are checked too: M2 is verified, malformed answers are
 * refused, a wrong current passphrase sends nothing.
 *
 * The few hostile answers an honest server cannot give (a wrong M2, B = 0 mod N, a whoami without
 * encSymmetricKey) come from `tamperNext`: the request still reaches the real server and exactly
 * one real response is altered on its way back, a man-in-the-middle. No server logic is re-implemented.
 */
import { WrongPassphraseError } from '@somnus/crypto';
import { NotLoggedInError, ServerProofError, SomnusApiError, SomnusClient, SomnusResponseError } from '../src';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { expectCodeEmail } from './mail';
import { recordingFetch, type RecordingFetch } from './recording-fetch';

const PASS = 'correct horse battery staple';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { LOG_LEVEL: 'silent' } });
});
afterAll(async () => {
  await stack?.stop();
});

let n = 0;
/** A distinct account per test, written with capitals so normalisation is visible on the wire. */
function newEmail(tag: string): { typed: string; normalised: string } {
  const typed = `${tag}.${process.pid}.${++n}@Example.com`;
  return { typed, normalised: typed.toLowerCase() };
}

function newClient(rec: RecordingFetch = recordingFetch()): SomnusClient {
  return new SomnusClient({ baseUrl: stack.baseUrl, fetch: rec.fetch });
}

async function signedUp(
  tag: string,
  profile: 'insomnia' | 'rfc2945' = 'insomnia',
): Promise<{ rec: RecordingFetch; client: SomnusClient; email: string; normalised: string }> {
  const rec = recordingFetch();
  const client = newClient(rec);
  const { typed, normalised } = newEmail(tag);
  await client.signup({ email: typed, passphrase: PASS, firstName: 'Alice', srpProfile: profile });
  return { rec, client, email: typed, normalised };
}

describe('SomnusClient (real stack)', () => {
  it('signs up with client-made key material and a normalised email, then logs in over SRP', async () => {
    const { rec, client, email, normalised } = await signedUp('alice');
    const signupReq = rec.requests.find((r) => r.path === '/auth/signup')!;
    expect(signupReq.method).toBe('POST');
    expect(signupReq.status).toBe(200);
    const body = signupReq.body;
    expect(body.email).toBe(normalised);
    expect(body.verifier).toMatch(/^[0-9a-f]{512}$/);
    expect(JSON.stringify(body)).not.toContain(PASS);
    expect(body.srpProfile).toBe('insomnia');

    const res = await client.login({ email: ` ${email} `, passphrase: ` ${PASS} ` });
    expect(res.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(res.accountId).toMatch(/^acct_[0-9a-f]{32}$/);
    expect(res.email).toBe(normalised);
    expect(client.isLoggedIn).toBe(true);
    expect(rec.requests.map((r) => r.path)).toEqual(['/auth/signup', '/auth/login-s', '/auth/login-a', '/auth/login-m1', '/auth/whoami']);
    expect(rec.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const r of rec.requests) expect(JSON.stringify(r.body ?? {})).not.toContain(PASS);
    for (const r of rec.requests.slice(1, 3)) expect(r.body.email).toBe(normalised);
    // no token travels before there is one; the whoami that confirms the login carries it
    for (const r of rec.requests.slice(0, -1)) expect(r.headers['x-session-id']).toBeUndefined();
    expect(rec.requests.at(-1)!.headers['x-session-id']).toBe(res.sessionId);
    expect(rec.requests[0]!.headers['x-insomnia-client']).toMatch(/^somnus-cli::[a-z0-9]+::\d+\.\d+\.\d+$/);
    expect(rec.requests[0]!.headers['content-type']).toBe('application/json');
    expect(rec.requests.at(-1)!.headers['content-type']).toBeUndefined();

    // the token is a real session on the server, for the account that signed up
    const who = await new SomnusClient({ baseUrl: stack.baseUrl, sessionId: res.sessionId }).whoami();
    expect(who).toMatchObject({ accountId: res.accountId, email: normalised, firstName: 'Alice' });
  });

  it('works with the rfc2945 profile too', async () => {
    const { client, email } = await signedUp('rfc', 'rfc2945');
    await expect(client.login({ email, passphrase: PASS })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(client.isLoggedIn).toBe(false);
    await expect(client.login({ email, passphrase: PASS, srpProfile: 'rfc2945' })).resolves.toMatchObject({ srpProfile: 'rfc2945' });
    expect(client.isLoggedIn).toBe(true);
  });

  it('refuses a server whose M2 is wrong and stays logged out', async () => {
    const { rec, client, email } = await signedUp('m2');
    let realM2 = '';
    // MITM: the real server verifies M1 and answers its genuine M2; only an impostor that does not
    // hold the verifier would answer a different M2, which the real server cannot be made to do.
    rec.tamperNext('POST /auth/login-m1', (real) => {
      expect(real.status).toBe(200);
      realM2 = real.body.srpM2;
      return { status: 200, body: { srpM2: '0'.repeat(64) } };
    });
    await expect(client.login({ email, passphrase: PASS })).rejects.toBeInstanceOf(ServerProofError);
    expect(rec.pendingTampers()).toBe(0);
    expect(realM2).toMatch(/^[0-9a-f]{64}$/);
    expect(realM2).not.toBe('0'.repeat(64));
    expect(client.isLoggedIn).toBe(false);
    expect(client.sessionId).toBeNull();
    // nothing after the refused proof: no whoami with the untrusted token
    expect(rec.routes().at(-1)).toBe('POST /auth/login-m1');

    // the same exchange without the tamper logs in: the refusal was the M2 check and nothing else
    await expect(client.login({ email, passphrase: PASS })).resolves.toMatchObject({ email: email.toLowerCase() });
  });

  it('refuses a server B that is 0 mod N', async () => {
    const { rec, client, email } = await signedUp('bzero');
    // MITM: the real server always sends a valid B; a B of 0 (mod N) is a hostile-server attack
    // (it would make the shared key predictable), so it has to be injected on the way back.
    rec.tamperNext('POST /auth/login-a', (real) => {
      expect(real.status).toBe(200);
      return { status: 200, body: { sessionStarterId: real.body.sessionStarterId, srpB: '0'.repeat(512) } };
    });
    await expect(client.login({ email, passphrase: PASS })).rejects.toThrow(/server public key/);
    expect(rec.pendingTampers()).toBe(0);
    expect(rec.requests.some((r) => r.path === '/auth/login-m1')).toBe(false);
    expect(client.isLoggedIn).toBe(false);
  });

  it('surfaces server errors as SomnusApiError', async () => {
    const { client, email } = await signedUp('errors');
    const err = await client.login({ email, passphrase: 'wrong passphrase' }).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusApiError);
    expect(err).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(client.isLoggedIn).toBe(false);
    const dup = await client.signup({ email, passphrase: PASS }).catch((e) => e);
    expect(dup).toBeInstanceOf(SomnusApiError);
    expect(dup).toMatchObject({ status: 409, code: 'EMAIL_TAKEN' });
  });

  it('rejects a whoami answer without encSymmetricKey', async () => {
    const { rec, client, email } = await signedUp('nokey');
    await client.login({ email, passphrase: PASS });
    // MITM: the real whoami always carries encSymmetricKey; a server that drops it is broken or
    // hostile, and the client must refuse the answer rather than fail deep inside a key unwrap.
    const strip = (real: { status: number; body: any }) => {
      expect(real.status).toBe(200);
      expect(real.body.encSymmetricKey).toEqual(expect.any(String));
      const { encSymmetricKey: _dropped, ...rest } = real.body;
      return { status: 200, body: rest };
    };
    rec.tamperNext('GET /auth/whoami', strip);
    await expect(client.whoami()).rejects.toBeInstanceOf(SomnusResponseError);
    rec.tamperNext('GET /auth/whoami', strip);
    await expect(client.unwrapKeys(PASS)).rejects.toBeInstanceOf(SomnusResponseError);
    expect(rec.pendingTampers()).toBe(0);
    // untampered, the same session's whoami is accepted
    await expect(client.whoami()).resolves.toHaveProperty('encSymmetricKey');
  });

  it('unwraps keys, and refuses a wrong passphrase locally', async () => {
    const { client, email } = await signedUp('unwrap');
    await client.login({ email, passphrase: PASS });
    const keys = await client.unwrapKeys(PASS);
    expect(keys.publicJwk.n).toBe(keys.privateJwk.n);
    await expect(client.unwrapKeys('nope nope')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('changes the passphrase keeping the account key; a wrong current passphrase sends nothing', async () => {
    const { rec, client, email, normalised } = await signedUp('change');
    await client.login({ email, passphrase: PASS });
    const before = await client.unwrapKeys(PASS);
    const mailed = expectCodeEmail(stack.smtp, normalised);
    await client.sendPasswordCode();
    const code = await mailed();

    const sent = rec.requests.length;
    await expect(client.changePassphrase({ currentPassphrase: 'wrong', newPassphrase: 'new pass phrase', code })).rejects.toBeInstanceOf(
      WrongPassphraseError,
    );
    // only the whoami read happened: no login-s, no change-password
    expect(rec.requests.slice(sent).map((r) => r.path)).toEqual(['/auth/whoami']);

    await client.changePassphrase({ currentPassphrase: PASS, newPassphrase: 'new pass phrase', code });
    const changeReq = rec.requests.find((r) => r.path === '/auth/change-password')!;
    expect(changeReq.status).toBe(200);
    expect(changeReq.headers['x-session-id']).toBe(client.sessionId);
    const change = changeReq.body;
    expect(Object.keys(change).sort()).toEqual(['code', 'encSymmetricKey', 'newEmail', 'newEncSymmetricKey', 'newVerifier']);
    expect(change.newEmail).toBe(normalised);
    expect(change.code).toBe(code);
    for (const r of rec.requests) {
      expect(JSON.stringify(r.body ?? {})).not.toContain(PASS);
      expect(JSON.stringify(r.body ?? {})).not.toContain('new pass phrase');
    }
    // the session that made the change stays valid
    await expect(client.whoami()).resolves.toMatchObject({ email: normalised });

    const fresh = newClient();
    await expect(fresh.login({ email, passphrase: PASS })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await fresh.login({ email, passphrase: 'new pass phrase' });
    const after = await fresh.unwrapKeys('new pass phrase');
    expect(after.symmetricKey).toEqual(before.symmetricKey);
    expect(after.privateJwk).toEqual(before.privateJwk);
  });

  it('needs a session for session calls and forgets it on logout', async () => {
    const { rec, client, email } = await signedUp('logout');
    const sent = rec.requests.length;
    await expect(client.whoami()).rejects.toBeInstanceOf(NotLoggedInError);
    expect(rec.requests.length).toBe(sent); // refused locally, nothing sent
    await client.login({ email, passphrase: PASS });
    const token = client.sessionId!;
    const sessions = await client.listSessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ id: expect.stringMatching(/^sess_[0-9a-f]{32}$/), current: true });
    await client.logout();
    expect(rec.requests.at(-1)).toMatchObject({ method: 'POST', path: '/auth/logout', status: 200 });
    expect(rec.requests.at(-1)!.headers['x-session-id']).toBe(token);
    expect(client.sessionId).toBeNull();
    await expect(client.logout()).rejects.toBeInstanceOf(NotLoggedInError);
    // and the server really revoked it
    await expect(new SomnusClient({ baseUrl: stack.baseUrl, sessionId: token }).whoami()).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
  });

  it('percent-encodes session ids in the revoke path', async () => {
    const { rec, client, email } = await signedUp('revoke');
    await client.login({ email, passphrase: PASS });
    await expect(client.revokeSession('../../auth/logout')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(rec.requests.at(-1)!.path).toBe('/v1/user/sessions/..%2F..%2Fauth%2Flogout');
    expect(rec.requests.at(-1)!.method).toBe('DELETE');
    // the encoded id did not reach /auth/logout: the session is still alive
    await expect(client.whoami()).resolves.toMatchObject({ email: email.toLowerCase() });
  });
});
