/**
 * SomnusClient against the in-memory fake server (real SRP, no database): the flows' client-side
 * rules — M2 is checked, malformed answers are refused, a wrong current passphrase sends nothing.
 */
import { WrongPassphraseError } from '@somnus/crypto';
import { NotLoggedInError, ServerProofError, SomnusApiError, SomnusClient, SomnusResponseError } from '../src';
import { createFakeServer, type FakeServer } from './fake-server';

const EMAIL = 'Alice@Example.com';
const PASS = 'correct horse battery staple';

async function signedUp(profile: 'insomnia' | 'rfc2945' = 'insomnia'): Promise<{ server: FakeServer; client: SomnusClient }> {
  const server = createFakeServer();
  const client = new SomnusClient({ baseUrl: 'http://somnus.test', fetch: server.fetch });
  await client.signup({ email: EMAIL, passphrase: PASS, firstName: 'Alice', srpProfile: profile });
  return { server, client };
}

describe('SomnusClient (fake server)', () => {
  it('signs up with client-made key material and a normalised email, then logs in over SRP', async () => {
    const { server, client } = await signedUp();
    const body = server.requests.find((r) => r.path === '/auth/signup')!.body;
    expect(body.email).toBe('alice@example.com');
    expect(body.verifier).toMatch(/^[0-9a-f]{512}$/);
    expect(JSON.stringify(body)).not.toContain(PASS);
    expect(body.srpProfile).toBe('insomnia');

    const res = await client.login({ email: ` ${EMAIL} `, passphrase: ` ${PASS} ` });
    expect(res.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(res.accountId).toMatch(/^acct_/);
    expect(client.isLoggedIn).toBe(true);
    expect(server.requests.map((r) => r.path)).toEqual(['/auth/signup', '/auth/login-s', '/auth/login-a', '/auth/login-m1', '/auth/whoami']);
    for (const r of server.requests) expect(JSON.stringify(r.body ?? {})).not.toContain(PASS);
    expect(server.requests.at(-1)!.headers['x-session-id']).toBe(res.sessionId);
    expect(server.requests[0]!.headers['x-insomnia-client']).toMatch(/^somnus-cli::[a-z0-9]+::\d+\.\d+\.\d+$/);
  });

  it('works with the rfc2945 profile too', async () => {
    const { client } = await signedUp('rfc2945');
    await expect(client.login({ email: EMAIL, passphrase: PASS })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await expect(client.login({ email: EMAIL, passphrase: PASS, srpProfile: 'rfc2945' })).resolves.toMatchObject({ srpProfile: 'rfc2945' });
  });

  it('refuses a server whose M2 is wrong and stays logged out', async () => {
    const { server, client } = await signedUp();
    server.override('POST /auth/login-m1', { status: 200, body: { srpM2: '0'.repeat(64) } });
    await expect(client.login({ email: EMAIL, passphrase: PASS })).rejects.toBeInstanceOf(ServerProofError);
    expect(client.isLoggedIn).toBe(false);
    expect(client.sessionId).toBeNull();
  });

  it('refuses a server B that is 0 mod N', async () => {
    const { server, client } = await signedUp();
    server.override('POST /auth/login-a', { status: 200, body: { sessionStarterId: `lss_${'1'.repeat(32)}`, srpB: '0'.repeat(512) } });
    await expect(client.login({ email: EMAIL, passphrase: PASS })).rejects.toThrow(/server public key/);
    expect(server.requests.some((r) => r.path === '/auth/login-m1')).toBe(false);
  });

  it('surfaces server errors as SomnusApiError', async () => {
    const { client } = await signedUp();
    const err = await client.login({ email: EMAIL, passphrase: 'wrong passphrase' }).catch((e) => e);
    expect(err).toBeInstanceOf(SomnusApiError);
    expect(err).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    await expect(client.signup({ email: EMAIL, passphrase: PASS })).rejects.toMatchObject({ status: 409, code: 'EMAIL_TAKEN' });
  });

  it('rejects a whoami answer without encSymmetricKey', async () => {
    const { server, client } = await signedUp();
    await client.login({ email: EMAIL, passphrase: PASS });
    server.override('GET /auth/whoami', { status: 200, body: { accountId: 'acct_x', email: 'a@b.c' } });
    await expect(client.whoami()).rejects.toBeInstanceOf(SomnusResponseError);
    await expect(client.unwrapKeys(PASS)).rejects.toBeInstanceOf(SomnusResponseError);
  });

  it('unwraps keys, and refuses a wrong passphrase locally', async () => {
    const { client } = await signedUp();
    await client.login({ email: EMAIL, passphrase: PASS });
    const keys = await client.unwrapKeys(PASS);
    expect(keys.publicJwk.n).toBe(keys.privateJwk.n);
    await expect(client.unwrapKeys('nope nope')).rejects.toBeInstanceOf(WrongPassphraseError);
  });

  it('changes the passphrase keeping the account key; a wrong current passphrase sends nothing', async () => {
    const { server, client } = await signedUp();
    await client.login({ email: EMAIL, passphrase: PASS });
    const before = await client.unwrapKeys(PASS);
    await client.sendPasswordCode();
    const code = server.lastCode!;

    const sent = server.requests.length;
    await expect(client.changePassphrase({ currentPassphrase: 'wrong', newPassphrase: 'new pass phrase', code })).rejects.toBeInstanceOf(
      WrongPassphraseError,
    );
    // only the whoami read happened: no login-s, no change-password
    expect(server.requests.slice(sent).map((r) => r.path)).toEqual(['/auth/whoami']);

    await client.changePassphrase({ currentPassphrase: PASS, newPassphrase: 'new pass phrase', code });
    const change = server.requests.find((r) => r.path === '/auth/change-password')!.body;
    expect(Object.keys(change).sort()).toEqual(['code', 'encSymmetricKey', 'newEmail', 'newEncSymmetricKey', 'newVerifier']);
    expect(change.newEmail).toBe('alice@example.com');

    const fresh = new SomnusClient({ baseUrl: 'http://somnus.test', fetch: server.fetch });
    await expect(fresh.login({ email: EMAIL, passphrase: PASS })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    await fresh.login({ email: EMAIL, passphrase: 'new pass phrase' });
    const after = await fresh.unwrapKeys('new pass phrase');
    expect(after.symmetricKey).toEqual(before.symmetricKey);
    expect(after.privateJwk).toEqual(before.privateJwk);
  });

  it('needs a session for session calls and forgets it on logout', async () => {
    const { client } = await signedUp();
    await expect(client.whoami()).rejects.toBeInstanceOf(NotLoggedInError);
    await client.login({ email: EMAIL, passphrase: PASS });
    expect(await client.listSessions()).toHaveLength(1);
    await client.logout();
    expect(client.sessionId).toBeNull();
    await expect(client.logout()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('percent-encodes session ids in the revoke path', async () => {
    const { server, client } = await signedUp();
    await client.login({ email: EMAIL, passphrase: PASS });
    await expect(client.revokeSession('../../auth/logout')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(server.requests.at(-1)!.path).toBe('/v1/user/sessions/..%2F..%2Fauth%2Flogout');
    expect(server.requests.at(-1)!.method).toBe('DELETE');
  });
});
