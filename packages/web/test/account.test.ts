import * as node from '@somnus/crypto';
import { changePasswordBody, resetBody, signupBody } from '@somnus/models';
import * as srp from '@somnus/srp';
import { BROWSER_ACCOUNT } from '../../crypto/test/fixtures/browser-account';
import {
  changePassphraseMaterial,
  decryptRSAWithJWK,
  deriveKey,
  encryptRSAWithJWK,
  newAccountMaterial,
  resetMaterial,
  unwrapAccountKeys,
  type NewAccountMaterial,
} from '../src/crypto';

const EMAIL = 'web.user@example.com';
const PASS = 'a browser-made passphrase';

let made: NewAccountMaterial;
beforeAll(async () => {
  made = await newAccountMaterial(PASS, '  Web.User@Example.com ');
});

describe('newAccountMaterial', () => {
  it('is a valid signup body once email and names are added, and holds no unwrapped key', () => {
    const body = signupBody.parse({ email: EMAIL, firstName: 'W', lastName: 'U', ...made.credentials });
    expect(body.srpProfile).toBe('insomnia');
    expect(Object.keys(made.credentials).sort()).toEqual(['encPrivateKey', 'encSymmetricKey', 'publicKey', 'saltAuth', 'saltEnc', 'saltKey', 'srpProfile', 'verifier']);
    expect(JSON.stringify(made.credentials)).not.toContain(made.symmetricKey.k);
    for (const salt of [made.credentials.saltKey, made.credentials.saltAuth, made.credentials.saltEnc]) expect(salt).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([made.credentials.saltKey, made.credentials.saltAuth, made.credentials.saltEnc]).size).toBe(3);
  });

  it('opens with @somnus/crypto: saltEnc key → account key → private key, matching the public key', async () => {
    const c = made.credentials;
    const symJson = node.decryptAES(await node.deriveKey(PASS, EMAIL, c.saltEnc), JSON.parse(c.encSymmetricKey) as node.AESMessage);
    expect(JSON.parse(symJson)).toEqual(made.symmetricKey);
    const keys = await node.unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...c });
    expect(JSON.stringify(keys.symmetricKey)).toBe(symJson);
    expect(JSON.stringify(keys.publicJwk)).toBe(c.publicKey);
    expect(node.isRsaPublicJwkJson(c.publicKey)).toBe(true);
    expect(keys.privateJwk.key_ops).toEqual(['decrypt']);
    expect(Object.keys(JSON.parse(c.publicKey) as object)).toEqual(['alg', 'e', 'ext', 'key_ops', 'kty', 'n']);
  });

  it('has the verifier @somnus/srp computes for the same salts and passphrase (profile insomnia)', async () => {
    const c = made.credentials;
    const authSecret = await node.deriveKey(PASS, EMAIL, c.saltKey);
    expect(c.verifier).toBe(srp.computeVerifier('insomnia', EMAIL, c.saltAuth, Buffer.from(authSecret, 'hex')));
  });

  it('keeps the account key at the 190-byte RSA-OAEP limit and round-trips it through the public key (docs/protocol.md §2)', async () => {
    const json = JSON.stringify(made.symmetricKey);
    expect(Buffer.byteLength(encodeURIComponent(json))).toBe(node.RSA_OAEP_MAX_PLAINTEXT_BYTES);
    const keys = await node.unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...made.credentials });
    const wrapped = node.encryptRSAWithJWK(keys.publicJwk, json);
    expect(wrapped).toMatch(/^[0-9a-f]{512}$/);
    expect(node.decryptRSAWithJWK(keys.privateJwk, wrapped)).toBe(json);
    // and the browser's own RSA, both ways
    await expect(decryptRSAWithJWK(keys.privateJwk, wrapped)).resolves.toBe(json);
    expect(node.decryptRSAWithJWK(keys.privateJwk, await encryptRSAWithJWK(keys.publicJwk, json))).toBe(json);
    await expect(encryptRSAWithJWK(keys.publicJwk, json + ' ')).rejects.toMatchObject({ code: 'PLAINTEXT_TOO_LONG' });
  });

  it('refuses an empty passphrase', async () => {
    await expect(newAccountMaterial('  ', EMAIL)).rejects.toMatchObject({ code: 'EMPTY_PASSPHRASE' });
  });
});

describe('unwrapAccountKeys', () => {
  it('opens the account a real browser made', async () => {
    const keys = await unwrapAccountKeys(BROWSER_ACCOUNT.derivedEncKey, BROWSER_ACCOUNT);
    expect(JSON.stringify(keys.publicJwk)).toBe(BROWSER_ACCOUNT.publicKey);
    const projectKey = await decryptRSAWithJWK(keys.privateJwk, BROWSER_ACCOUNT.rsaEncryptedProjectKey);
    expect(encodeURIComponent(projectKey)).toHaveLength(190);
  });

  it('says WRONG_PASSPHRASE when the key does not open encSymmetricKey', async () => {
    await expect(unwrapAccountKeys('00'.repeat(32), BROWSER_ACCOUNT)).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });
});

describe('resetMaterial', () => {
  it('is a valid reset body with the code added, and opens with the new passphrase in @somnus/crypto', async () => {
    const m = await resetMaterial('new one after a reset', ' Web.User@Example.com');
    const body = resetBody.parse({ ...m, code: 'K7PMQ2XWHN' });
    expect(body.email).toBe(EMAIL);
    expect(m.email).toBe(EMAIL);
    const keys = await node.unwrapAccountKeys({ ...m, passphrase: 'new one after a reset' });
    expect(keys.publicJwk.n).toBe((JSON.parse(m.publicKey) as { n: string }).n);
    const authSecret = await node.deriveKey('new one after a reset', EMAIL, m.saltKey);
    expect(m.verifier).toBe(srp.computeVerifier('insomnia', EMAIL, m.saltAuth, Buffer.from(authSecret, 'hex')));
  });
});

describe('changePassphraseMaterial', () => {
  const OLD = 'the old passphrase';
  const NEW = 'the new passphrase';
  let account: node.AccountKeyMaterial;
  beforeAll(async () => {
    account = await node.createAccountKeyMaterial(OLD, EMAIL);
  });
  const whoami = () => ({ email: EMAIL, saltEnc: account.saltEnc, encSymmetricKey: account.encSymmetricKey });
  const salts = () => ({ saltKey: account.saltKey, saltAuth: account.saltAuth });

  it('re-wraps the same account key for the new passphrase and keeps the salts, as the SDK does', async () => {
    const body = await changePassphraseMaterial({ whoami: whoami(), salts: salts(), code: ' k7pm-q2xw-hn ', currentPassphrase: OLD, newPassphrase: NEW });
    expect(changePasswordBody.parse(body)).toEqual(body);
    expect(body.code).toBe('k7pm-q2xw-hn');
    expect(body.newEmail).toBe(EMAIL);
    expect(body.encSymmetricKey).toBe(account.encSymmetricKey);
    // the server's view after the change: the new passphrase opens the same key chain
    const keys = await node.unwrapAccountKeys({ passphrase: NEW, email: EMAIL, ...account, encSymmetricKey: body.newEncSymmetricKey });
    expect(keys.symmetricKey).toEqual(account.symmetricKey);
    const authSecret = await node.deriveKey(NEW, EMAIL, account.saltKey);
    expect(body.newVerifier).toBe(srp.computeVerifier('insomnia', EMAIL, account.saltAuth, Buffer.from(authSecret, 'hex')));
  });

  it('takes the key srpLogin returned instead of the current passphrase', async () => {
    const currentKey = await deriveKey(OLD, EMAIL, account.saltEnc);
    const body = await changePassphraseMaterial({ whoami: whoami(), salts: salts(), code: 'C', currentKey, newPassphrase: NEW });
    const keys = await node.unwrapAccountKeys({ passphrase: NEW, email: EMAIL, ...account, encSymmetricKey: body.newEncSymmetricKey });
    expect(keys.symmetricKey).toEqual(account.symmetricKey);
  });

  it('refuses a wrong current passphrase before anything is sent', async () => {
    await expect(
      changePassphraseMaterial({ whoami: whoami(), salts: salts(), code: 'C', currentPassphrase: 'not it', newPassphrase: NEW }),
    ).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });
});
