/**
 * The library against the real `auth` function (the route handlers, the database, the mail of codes):
 * signup with newAccountMaterial, srpLogin, the hand-off box, passphrase change and reset, each as
 * the account pages will call them.
 */
import { startFunctions } from '../../../test/support/function-server';
import { extractCode } from '../../../test/support/smtp';
import {
  base64ToBytes,
  changePassphraseMaterial,
  decodeLoginKey,
  loginBoxCode,
  newAccountMaterial,
  openSealedBox,
  resetMaterial,
  srpLogin,
  unwrapAccountKeys,
  type ApiCall,
} from '../src/crypto';
import nacl from 'tweetnacl';

type Harness = Awaited<ReturnType<typeof startFunctions>>;
let h: Harness;

beforeAll(async () => {
  h = await startFunctions('auth');
});
afterAll(async () => h?.stop());

const call: ApiCall = async (method, path, body, sessionId) => {
  const res = await h.http.call(method, path, body, sessionId ? { 'X-Session-Id': sessionId } : {});
  return { status: res.status, body: res.body };
};

async function signup(email: string, passphrase: string) {
  const { credentials, symmetricKey } = await newAccountMaterial(passphrase, email);
  const res = await call('POST', '/auth/signup', { email, firstName: 'Web', lastName: 'Crypto', ...credentials });
  expect(res.status).toBe(200);
  return { symmetricKey };
}

async function mailedCode(email: string, subject: RegExp): Promise<string> {
  return extractCode(await h.smtp.waitForMessage((m) => m.to.includes(email) && subject.test(m.subject), 10_000));
}

it('signs up, logs in and hands {token, key} to the app, which opens its keys with them', async () => {
  const email = 'web.flow@example.com';
  const { symmetricKey } = await signup(email, 'first passphrase');
  const { token, key, whoami } = await srpLogin(call, email, 'first passphrase');
  expect(whoami.email).toBe(email);

  const app = nacl.box.keyPair();
  const loginKey = decodeLoginKey(encodeURIComponent(Buffer.from(app.publicKey).toString('base64')));
  const opened = JSON.parse(new TextDecoder().decode(openSealedBox(base64ToBytes(loginBoxCode(token, key, loginKey)), app.publicKey, app.secretKey))) as {
    token: string;
    key: string;
  };
  // the app's side: whoami with the token, then unwrap with the key
  const who = await call('GET', '/auth/whoami', undefined, opened.token);
  expect(who.status).toBe(200);
  expect((await unwrapAccountKeys(opened.key, who.body)).symmetricKey).toEqual(symmetricKey);

  await expect(srpLogin(call, email, 'not the passphrase')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
});

it('changes the passphrase with the emailed code; the old one stops working, the account key stays', async () => {
  const email = 'web.change@example.com';
  const { symmetricKey } = await signup(email, 'old passphrase');
  const { token, key, whoami } = await srpLogin(call, email, 'old passphrase');
  expect((await call('POST', '/auth/send-password-code', undefined, token)).status).toBe(200);
  const code = await mailedCode(email, /passphrase change code/);
  const salts = (await call('POST', '/auth/login-s', { email })).body as { saltKey: string; saltAuth: string };
  const body = await changePassphraseMaterial({ whoami, salts, code, currentKey: key, newPassphrase: 'new passphrase' });
  const res = await call('POST', '/auth/change-password', body, token);
  expect(res.status).toBe(200);

  const after = await srpLogin(call, email, 'new passphrase');
  expect((await unwrapAccountKeys(after.key, after.whoami)).symmetricKey).toEqual(symmetricKey);
  await expect(srpLogin(call, email, 'old passphrase')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
});

it('resets a forgotten passphrase with the emailed code and new material', async () => {
  const email = 'web.reset@example.com';
  const { symmetricKey } = await signup(email, 'forgotten passphrase');
  expect((await call('POST', '/auth/send-reset-code', { email })).status).toBe(200);
  const code = await mailedCode(email, /reset/i);
  const res = await call('POST', '/auth/reset', { ...(await resetMaterial('fresh passphrase', email)), code });
  expect(res.status).toBe(200);

  const after = await srpLogin(call, email, 'fresh passphrase');
  const keys = await unwrapAccountKeys(after.key, after.whoami);
  expect(keys.symmetricKey).not.toEqual(symmetricKey);
  await expect(srpLogin(call, email, 'forgotten passphrase')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
});
