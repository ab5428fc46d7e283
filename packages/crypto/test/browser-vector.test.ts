/**
 * The whole chain of an account a real browser (WebCrypto) created, opened with our code: the
 * strongest evidence that the encodings, key formats and member orders match Insomnia's.
 */
import { decryptAES, decryptRSAWithJWK, encryptRSAWithJWK, isAESMessageJson, isRsaPublicJwkJson, parseAesJwk, unwrapAccountKeys, type AESMessage, type AccountKeys } from '../src';
import { BROWSER_ACCOUNT as V } from './fixtures/browser-account';

let keys: AccountKeys;

beforeAll(async () => {
  keys = await unwrapAccountKeys(V);
});

describe('browser-generated account', () => {
  it('passes the server-side shape checks', () => {
    expect(isAESMessageJson(V.encSymmetricKey)).toBe(true);
    expect(isAESMessageJson(V.encPrivateKey)).toBe(true);
    expect(isRsaPublicJwkJson(V.publicKey)).toBe(true);
  });

  it('unwraps to keys whose JSON is byte-identical to what the browser exported', () => {
    const symJson = decryptAES(V.derivedEncKey, JSON.parse(V.encSymmetricKey) as AESMessage);
    expect(JSON.stringify(keys.symmetricKey)).toBe(symJson);
    expect(JSON.stringify(keys.privateJwk)).toBe(decryptAES(keys.symmetricKey, JSON.parse(V.encPrivateKey) as AESMessage));
    expect(JSON.stringify(keys.publicJwk)).toBe(V.publicKey);
    expect(keys.privateJwk.key_ops).toEqual(['decrypt']);
  });

  it('opens the RSA-wrapped project key, an AES JWK of exactly 190 URI-encoded bytes', () => {
    const json = decryptRSAWithJWK(keys.privateJwk, V.rsaEncryptedProjectKey);
    const projectKey = parseAesJwk(JSON.parse(json));
    expect(JSON.stringify(projectKey)).toBe(json);
    expect(encodeURIComponent(json)).toHaveLength(190);
    // And we can wrap it again to the browser's public key.
    expect(decryptRSAWithJWK(keys.privateJwk, encryptRSAWithJWK(keys.publicJwk, json))).toBe(json);
  });
});
