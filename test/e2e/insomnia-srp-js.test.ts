import { createAccountKeyMaterial, deriveKey, unwrapAccountKeys } from '@somnus/crypto';
import { loadWithoutNavigator } from '../support/without-navigator';
// Kong's srp-js@0.2.1: the SRP library Insomnia clients (up to 2022.4) log in with; loaded as on Node 20 (see
// loadWithoutNavigator: on Node 22 its big numbers are slow enough for a login to idle past the keep-alive)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const srp = loadWithoutNavigator(() => require('srp-js'));
import { startTestStack } from '../support/stack';
import { api } from '../support/api';

/**
 * Signs up and logs in through the local gateway the way an Insomnia client does: key material from the
 * client crypto, the verifier and every SRP step computed by Kong's srp-js, the L22 headers, and a strict
 * check that every response is `Content-Type: application/json` exactly (L22 breaks otherwise).
 */
let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.stop());

const genKey = (): Promise<Buffer> =>
  new Promise((resolve, reject) => srp.genKey(32, (err: Error | null, key: Buffer) => (err ? reject(err) : resolve(key))));

it('an Insomnia-style client signs up, logs in with srp-js, and unwraps its keys from whoami', async () => {
  const http = api(stack.baseUrl, { 'X-Insomnia-Client': 'production::linux::2022.4.2', 'insomnia-request-id': 'desk_' + 'a'.repeat(32) });
  const params = srp.params[2048];
  const email = 'insomnia-user@example.com';
  const passphrase = 'Insomnia@123';

  // signup, as the website did it (W17/WEB23): the verifier comes from srp-js itself
  const material = await createAccountKeyMaterial(passphrase, email);
  const verifier: Buffer = srp.computeVerifier(params, Buffer.from(material.saltAuth, 'hex'), Buffer.from(email), Buffer.from(material.authSecretHex, 'hex'));
  const signup = await http.post('/auth/signup', {
    email,
    firstName: 'Kim',
    lastName: 'Marker',
    id: 'act_' + 'b'.repeat(64),
    saltEnc: material.saltEnc,
    saltAuth: material.saltAuth,
    saltKey: material.saltKey,
    verifier: verifier.toString('hex'),
    publicKey: material.publicKey,
    encPrivateKey: material.encPrivateKey,
    encSymmetricKey: material.encSymmetricKey,
    emailNewsletter: false,
  });
  expect(signup.status).toBe(200);
  expect(signup.contentType).toBe('application/json');

  // login, L22 session.ts step by step
  const salts = await http.post('/auth/login-s', { email });
  expect(salts.contentType).toBe('application/json');
  const authSecret = await deriveKey(passphrase, email, salts.body.saltKey);
  const client = new srp.Client(params, Buffer.from(salts.body.saltAuth, 'hex'), Buffer.from(email, 'utf8'), Buffer.from(authSecret, 'hex'), await genKey());
  const srpA = client.computeA().toString('hex');
  const a = await http.post('/auth/login-a', { srpA, email });
  expect(a.status).toBe(200);
  expect(a.contentType).toBe('application/json');
  client.setB(Buffer.from(a.body.srpB, 'hex')); // srp-js asserts B is exactly 256 bytes
  const srpM1 = client.computeM1().toString('hex');
  const m1 = await http.post('/auth/login-m1', { srpM1, sessionStarterId: a.body.sessionStarterId });
  expect(m1.status).toBe(200);
  expect(m1.contentType).toBe('application/json');
  expect(() => client.checkM2(Buffer.from(m1.body.srpM2, 'hex'))).not.toThrow();
  const sessionId = client.computeK().toString('hex');

  const me = await http.get('/auth/whoami', { 'X-Session-Id': sessionId });
  expect(me.status).toBe(200);
  expect(me.contentType).toBe('application/json');
  expect(me.body.email).toBe(email);
  const keys = await unwrapAccountKeys({ passphrase, email, saltEnc: me.body.saltEnc, encSymmetricKey: me.body.encSymmetricKey, encPrivateKey: me.body.encPrivateKey, publicKey: me.body.publicKey });
  expect(keys.symmetricKey.kty).toBe('oct');
  expect(keys.privateJwk.kty).toBe('RSA');

  // the startup calls of current clients work with the same session
  const profile = await http.get('/v1/user/profile', { 'X-Session-Id': sessionId });
  expect(profile.status).toBe(200);
  expect(profile.body.id).toBe(me.body.accountId);
  const ownKeys = await http.get('/v1/keys', { 'X-Session-Id': sessionId });
  expect(ownKeys.body.encPrivateKey).toBe(material.encPrivateKey);

  // srp-js rejects a wrong server proof: a tampered M2 must not verify
  const tampered = Buffer.from(m1.body.srpM2, 'hex');
  tampered[0] = tampered[0]! ^ 1;
  expect(() => client.checkM2(tampered)).toThrow();
});

it('a wrong passphrase fails at M1 for an srp-js client', async () => {
  const http = api(stack.baseUrl);
  const params = srp.params[2048];
  const email = 'insomnia-wrong@example.com';
  const material = await createAccountKeyMaterial('right one', email);
  const verifier: Buffer = srp.computeVerifier(params, Buffer.from(material.saltAuth, 'hex'), Buffer.from(email), Buffer.from(material.authSecretHex, 'hex'));
  await http.post('/auth/signup', { email, firstName: '', lastName: '', saltEnc: material.saltEnc, saltAuth: material.saltAuth, saltKey: material.saltKey, verifier: verifier.toString('hex'), publicKey: material.publicKey, encPrivateKey: material.encPrivateKey, encSymmetricKey: material.encSymmetricKey });
  const salts = await http.post('/auth/login-s', { email });
  const authSecret = await deriveKey('wrong one', email, salts.body.saltKey);
  const client = new srp.Client(params, Buffer.from(salts.body.saltAuth, 'hex'), Buffer.from(email), Buffer.from(authSecret, 'hex'), await genKey());
  const a = await http.post('/auth/login-a', { srpA: client.computeA().toString('hex'), email });
  client.setB(Buffer.from(a.body.srpB, 'hex'));
  const m1 = await http.post('/auth/login-m1', { srpM1: client.computeM1().toString('hex'), sessionStarterId: a.body.sessionStarterId });
  expect(m1.status).toBe(401);
  expect(m1.body.error).toBe('INVALID_CREDENTIALS');
});
