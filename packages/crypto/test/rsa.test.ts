import {
  DecryptionError,
  InvalidKeyError,
  MalformedInputError,
  PlaintextTooLongError,
  RSA_OAEP_MAX_PLAINTEXT_BYTES,
  decryptRSAWithJWK,
  encryptRSAWithJWK,
  generateAesJwk,
  generateRsaKeyPair,
  parseAesJwk,
  type RsaPrivateJwk,
  type RsaPublicJwk,
} from '../src';
import { flipHexDigit } from './helpers';

let alice: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
let bob: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };

beforeAll(async () => {
  [alice, bob] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()]);
});

describe('encryptRSAWithJWK / decryptRSAWithJWK', () => {
  it('wraps a compact AES JWK, which is exactly the 190-byte maximum', () => {
    expect(RSA_OAEP_MAX_PLAINTEXT_BYTES).toBe(190);
    const jwk = generateAesJwk();
    const json = JSON.stringify(jwk);
    expect(Buffer.byteLength(encodeURIComponent(json))).toBe(RSA_OAEP_MAX_PLAINTEXT_BYTES);

    const hex = encryptRSAWithJWK(alice.publicJwk, json);
    expect(hex).toMatch(/^[0-9a-f]{512}$/);
    const back = decryptRSAWithJWK(alice.privateJwk, hex);
    expect(back).toBe(json);
    expect(parseAesJwk(JSON.parse(back))).toEqual(jwk);
  });

  it('refuses one byte more than fits, with a clear error', () => {
    const json = JSON.stringify(generateAesJwk()) + 'x';
    expect(encodeURIComponent(json)).toHaveLength(191);
    expect(() => encryptRSAWithJWK(alice.publicJwk, json)).toThrow(PlaintextTooLongError);
    expect(() => encryptRSAWithJWK(alice.publicJwk, json)).toThrow(/191 bytes.*at most 190/);
    // Pretty-printing a JWK is enough to break wrapping.
    expect(() => encryptRSAWithJWK(alice.publicJwk, JSON.stringify(generateAesJwk(), null, 1))).toThrow(PlaintextTooLongError);
  });

  it('counts bytes after URI-encoding', () => {
    // 'é' becomes '%C3%A9' (6 bytes): 31 of them fit in 190, 32 do not.
    expect(decryptRSAWithJWK(alice.privateJwk, encryptRSAWithJWK(alice.publicJwk, 'é'.repeat(31)))).toBe('é'.repeat(31));
    expect(() => encryptRSAWithJWK(alice.publicJwk, 'é'.repeat(32))).toThrow(PlaintextTooLongError);
    expect(decryptRSAWithJWK(alice.privateJwk, encryptRSAWithJWK(alice.publicJwk, 'a'.repeat(190)))).toBe('a'.repeat(190));
    expect(() => encryptRSAWithJWK(alice.publicJwk, 'a'.repeat(191))).toThrow(PlaintextTooLongError);
  });

  it('round-trips unicode and percent signs', () => {
    const s = 'ключ 🔑 100%';
    expect(decryptRSAWithJWK(alice.privateJwk, encryptRSAWithJWK(alice.publicJwk, s))).toBe(s);
  });

  it('is randomised (OAEP)', () => {
    expect(encryptRSAWithJWK(alice.publicJwk, 'same')).not.toBe(encryptRSAWithJWK(alice.publicJwk, 'same'));
  });

  it('fails with the wrong private key or an altered ciphertext', () => {
    const hex = encryptRSAWithJWK(alice.publicJwk, 'secret');
    expect(() => decryptRSAWithJWK(bob.privateJwk, hex)).toThrow(DecryptionError);
    expect(() => decryptRSAWithJWK(alice.privateJwk, flipHexDigit(hex, 300))).toThrow(DecryptionError);
    expect(decryptRSAWithJWK(alice.privateJwk, hex)).toBe('secret');
  });

  it('rejects ciphertexts of the wrong length or encoding', () => {
    const hex = encryptRSAWithJWK(alice.publicJwk, 'secret');
    expect(() => decryptRSAWithJWK(alice.privateJwk, hex.slice(2))).toThrow(MalformedInputError);
    expect(() => decryptRSAWithJWK(alice.privateJwk, hex.slice(1))).toThrow(MalformedInputError);
    expect(() => decryptRSAWithJWK(alice.privateJwk, 'zz' + hex.slice(2))).toThrow(MalformedInputError);
  });

  describe("Insomnia's public-JWK checks", () => {
    const bad = (patch: Record<string, unknown>) => ({ ...alice.publicJwk, ...patch }) as unknown as RsaPublicJwk;

    it.each([
      ['alg RSA-OAEP (SHA-1)', { alg: 'RSA-OAEP' }],
      ['missing alg', { alg: undefined }],
      ['kty oct', { kty: 'oct' }],
      ['key_ops [decrypt]', { key_ops: ['decrypt'] }],
      ['no key_ops', { key_ops: undefined }],
      ['missing n', { n: undefined }],
      ['empty e', { e: '' }],
    ])('rejects %s', (_label, patch) => {
      expect(() => encryptRSAWithJWK(bad(patch), 'x')).toThrow(InvalidKeyError);
    });

    it('accepts key_ops that contain encrypt among others', () => {
      const hex = encryptRSAWithJWK(bad({ key_ops: ['wrapKey', 'encrypt'] }), 'x');
      expect(decryptRSAWithJWK(alice.privateJwk, hex)).toBe('x');
    });

    it('rejects a private JWK whose key_ops lack decrypt', () => {
      const hex = encryptRSAWithJWK(alice.publicJwk, 'x');
      expect(() => decryptRSAWithJWK({ ...alice.privateJwk, key_ops: ['encrypt'] }, hex)).toThrow(InvalidKeyError);
    });
  });
});
