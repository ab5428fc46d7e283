/**
 * srpLogin against an in-memory server made of @somnus/srp's server side and the models' request
 * schemas: every body the page sends is parsed as the real routes parse it.
 */
import * as node from '@somnus/crypto';
import { loginABody, loginM1Body, loginSBody } from '@somnus/models';
import * as srp from '@somnus/srp';
import { AuthFlowError, srpLogin, type ApiCall } from '../src/crypto';

const EMAIL = 'login.web@example.com';
const PASS = 'the right passphrase';

let account: node.AccountKeyMaterial;
let verifier: string;
beforeAll(async () => {
  account = await node.createAccountKeyMaterial(PASS, EMAIL);
  verifier = srp.computeVerifier('insomnia', EMAIL, account.saltAuth, Buffer.from(account.authSecretHex, 'hex'));
});

interface FakeOptions {
  /** Replace the server's M2 (an impostor that does not know the verifier). */
  m2?: string;
  /** Replace whoami's encSymmetricKey. */
  encSymmetricKey?: string;
}

function fakeServer(opts: FakeOptions = {}) {
  const starters = new Map<string, { AHex: string; bHex: string; BHex: string }>();
  const sessions = new Set<string>();
  const seen: Array<{ method: string; path: string; sessionId?: string }> = [];
  const call: ApiCall = async (method, path, body, sessionId) => {
    seen.push({ method, path, ...(sessionId ? { sessionId } : {}) });
    if (method === 'POST' && path === '/auth/login-s') {
      loginSBody.parse(body);
      return { status: 200, body: { saltKey: account.saltKey, saltAuth: account.saltAuth } };
    }
    if (method === 'POST' && path === '/auth/login-a') {
      const { srpA } = loginABody.parse(body);
      const e = srp.createServerEphemeral('insomnia', verifier);
      const id = `lss_${starters.size}`;
      starters.set(id, { AHex: srpA, ...e });
      return { status: 200, body: { sessionStarterId: id, srpB: e.BHex } };
    }
    if (method === 'POST' && path === '/auth/login-m1') {
      const { sessionStarterId, srpM1 } = loginM1Body.parse(body);
      const s = starters.get(sessionStarterId);
      starters.delete(sessionStarterId);
      if (!s) return { status: 401, body: { error: 'LOGIN_SESSION_INVALID', message: 'unknown handshake' } };
      const r = srp.verifyClientProof({ profile: 'insomnia', identity: EMAIL, saltHex: account.saltAuth, verifierHex: verifier, ...s, M1Hex: srpM1 });
      if (!r.ok) return { status: 401, body: { error: 'INVALID_CREDENTIALS', message: 'Invalid email or passphrase' } };
      sessions.add(r.KHex);
      return { status: 200, body: { srpM2: opts.m2 ?? r.M2Hex } };
    }
    if (method === 'GET' && path === '/auth/whoami') {
      if (!sessionId || !sessions.has(sessionId)) return { status: 401, body: { error: 'UNAUTHORIZED', message: 'no session' } };
      return {
        status: 200,
        body: {
          email: EMAIL,
          accountId: 'acct_' + '0'.repeat(32),
          saltEnc: account.saltEnc,
          publicKey: account.publicKey,
          encPrivateKey: account.encPrivateKey,
          encSymmetricKey: opts.encSymmetricKey ?? account.encSymmetricKey,
        },
      };
    }
    return { status: 404, body: { error: 'NOT_FOUND', message: path } };
  };
  return { call, sessions, seen };
}

describe('srpLogin', () => {
  it('logs in: token = hex(K) the server holds, key = deriveKey(…, saltEnc), whoami asked with the token', async () => {
    const server = fakeServer();
    const result = await srpLogin(server.call, '  Login.Web@Example.com ', ` ${PASS} `);
    expect(server.sessions.has(result.token)).toBe(true);
    expect(result.token).toMatch(/^[0-9a-f]{64}$/);
    expect(result.key).toBe(await node.deriveKey(PASS, EMAIL, account.saltEnc));
    expect(result.whoami.email).toBe(EMAIL);
    expect(server.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /auth/login-s', 'POST /auth/login-a', 'POST /auth/login-m1', 'GET /auth/whoami']);
    expect(server.seen[3]!.sessionId).toBe(result.token);
    // the key opens the chain as the app will open it
    const keys = await node.unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...account });
    expect(JSON.parse(node.decryptAES(result.key, JSON.parse(account.encSymmetricKey) as node.AESMessage))).toEqual(keys.symmetricKey);
  });

  it('says INVALID_CREDENTIALS for a wrong passphrase, and sends no whoami', async () => {
    const server = fakeServer();
    const err = await srpLogin(server.call, EMAIL, 'not the passphrase').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthFlowError);
    expect(err).toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401, message: 'Wrong email or passphrase' });
    expect(server.seen.map((r) => r.path)).not.toContain('/auth/whoami');
  });

  it('refuses a server whose M2 is wrong', async () => {
    await expect(srpLogin(fakeServer({ m2: 'ab'.repeat(32) }).call, EMAIL, PASS)).rejects.toMatchObject({ code: 'SERVER_PROOF' });
  });

  it('throws WRONG_PASSPHRASE when the key does not open encSymmetricKey', async () => {
    const other = await node.createAccountKeyMaterial('another passphrase', EMAIL);
    await expect(srpLogin(fakeServer({ encSymmetricKey: other.encSymmetricKey }).call, EMAIL, PASS)).rejects.toThrow('The passphrase is wrong');
  });

  it('passes the server error through (e.g. RATE_LIMITED) and refuses empty input before any request', async () => {
    const limited: ApiCall = async () => ({ status: 429, body: { error: 'RATE_LIMITED', message: 'Too many attempts' } });
    await expect(srpLogin(limited, EMAIL, PASS)).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    const never: ApiCall = async () => {
      throw new Error('no request expected');
    };
    await expect(srpLogin(never, EMAIL, '   ')).rejects.toMatchObject({ code: 'EMPTY_PASSPHRASE' });
  });
});
