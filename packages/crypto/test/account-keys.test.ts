import {
  CryptoError,
  DecryptionError,
  KeyMismatchError,
  MalformedInputError,
  WrongPassphraseError,
  createAccountKeyMaterial,
  decryptAES,
  decryptRSAWithJWK,
  deriveKey,
  encryptRSAWithJWK,
  generateRsaKeyPair,
  isAESMessageJson,
  isRsaPublicJwkJson,
  rewrapAccountKey,
  unwrapAccountKeys,
  type AccountKeyMaterial,
  type AESMessage,
} from '../src';
import { flipHexDigit } from './helpers';

// PBKDF2 at 100k iterations is deliberately slow, so one account is created for the whole file.
const PASS = 'correct horse battery';
const EMAIL = 'jane@example.com';
let material: AccountKeyMaterial;

const stored = (m: AccountKeyMaterial) => ({
  saltEnc: m.saltEnc,
  encSymmetricKey: m.encSymmetricKey,
  encPrivateKey: m.encPrivateKey,
  publicKey: m.publicKey,
});

beforeAll(async () => {
  material = await createAccountKeyMaterial(PASS, EMAIL);
});

describe('createAccountKeyMaterial', () => {
  it('makes three distinct 32-byte hex salts and a 32-byte auth secret', () => {
    const { saltKey, saltAuth, saltEnc, authSecretHex } = material;
    for (const v of [saltKey, saltAuth, saltEnc, authSecretHex]) expect(v).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([saltKey, saltAuth, saltEnc, authSecretHex]).size).toBe(4);
  });

  it('derives the auth secret from saltKey (SEC_PWD_Auth)', async () => {
    await expect(deriveKey(PASS, EMAIL, material.saltKey)).resolves.toBe(material.authSecretHex);
  });

  it('stores strings in the shapes the server checks', () => {
    expect(isAESMessageJson(material.encSymmetricKey)).toBe(true);
    expect(isAESMessageJson(material.encPrivateKey)).toBe(true);
    expect(isRsaPublicJwkJson(material.publicKey)).toBe(true);
    expect(material.publicKey).toBe(JSON.stringify(material.publicJwk));
  });

  it('wraps the private key under the account key', () => {
    const m = JSON.parse(material.encPrivateKey) as AESMessage;
    expect(decryptAES(material.symmetricKey, m)).toBe(JSON.stringify(material.privateJwk));
  });

  it('makes keys that fit the 190-byte RSA wrap of a project key', () => {
    const hex = encryptRSAWithJWK(material.publicJwk, JSON.stringify(material.symmetricKey));
    expect(decryptRSAWithJWK(material.privateJwk, hex)).toBe(JSON.stringify(material.symmetricKey));
  });

  it('refuses an empty passphrase', async () => {
    await expect(createAccountKeyMaterial('   ', EMAIL)).rejects.toThrow(CryptoError);
  });
});

describe('unwrapAccountKeys', () => {
  it('recovers the same keys', async () => {
    const keys = await unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...stored(material) });
    expect(keys.symmetricKey).toEqual(material.symmetricKey);
    expect(keys.privateJwk).toEqual(material.privateJwk);
    expect(keys.publicJwk).toEqual(material.publicJwk);
  });

  it('normalises email and passphrase the same way as signup', async () => {
    const keys = await unwrapAccountKeys({ passphrase: `  ${PASS}\n`, email: ' Jane@Example.COM ', ...stored(material) });
    expect(keys.symmetricKey).toEqual(material.symmetricKey);
  });

  it('throws WrongPassphraseError for the wrong passphrase', async () => {
    const err: unknown = await unwrapAccountKeys({ passphrase: 'Correct horse battery', email: EMAIL, ...stored(material) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrongPassphraseError);
    expect((err as WrongPassphraseError).code).toBe('WRONG_PASSPHRASE');
  });

  it('reports a corrupted encPrivateKey as a decryption failure, not a wrong passphrase', async () => {
    const m = JSON.parse(material.encPrivateKey) as AESMessage;
    const encPrivateKey = JSON.stringify({ ...m, d: flipHexDigit(m.d, 10) });
    const err: unknown = await unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...stored(material), encPrivateKey }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecryptionError);
    expect(err).not.toBeInstanceOf(WrongPassphraseError);
  });

  it('detects a public key that does not belong to the private key', async () => {
    const other = await generateRsaKeyPair();
    await expect(unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...stored(material), publicKey: JSON.stringify(other.publicJwk) })).rejects.toThrow(
      KeyMismatchError,
    );
  });

  it('rejects malformed stored strings before deriving anything', async () => {
    await expect(unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...stored(material), encSymmetricKey: 'not json' })).rejects.toThrow(MalformedInputError);
    await expect(unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...stored(material), encSymmetricKey: '{"iv":"00"}' })).rejects.toThrow(MalformedInputError);
  });
});

describe('rewrapAccountKey', () => {
  it('re-wraps the same account key under a new passphrase; the old one stops working', async () => {
    const NEW = 'a whole new passphrase';
    const encSymmetricKey = await rewrapAccountKey(material.symmetricKey, NEW, ' JANE@example.com', material.saltEnc);
    expect(isAESMessageJson(encSymmetricKey)).toBe(true);
    expect(encSymmetricKey).not.toBe(material.encSymmetricKey);

    const rewrapped = { ...stored(material), encSymmetricKey };
    const keys = await unwrapAccountKeys({ passphrase: NEW, email: EMAIL, ...rewrapped });
    expect(keys.symmetricKey).toEqual(material.symmetricKey);
    expect(keys.privateJwk).toEqual(material.privateJwk);

    await expect(unwrapAccountKeys({ passphrase: PASS, email: EMAIL, ...rewrapped })).rejects.toThrow(WrongPassphraseError);
  });
});
