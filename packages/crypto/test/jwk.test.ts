import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { InvalidKeyError, generateAesJwk, generateRsaKeyPair, isRsaPublicJwkJson, parseAesJwk, parseRsaPrivateJwk, parseRsaPublicJwk, type RsaPrivateJwk, type RsaPublicJwk } from '../src';

describe('generateAesJwk', () => {
  it('has exactly the five browser members, alphabetically', () => {
    const jwk = generateAesJwk();
    expect(Object.keys(jwk)).toEqual(['alg', 'ext', 'k', 'key_ops', 'kty']);
    expect(jwk).toMatchObject({ alg: 'A256GCM', ext: true, key_ops: ['encrypt', 'decrypt'], kty: 'oct' });
    expect(jwk.k).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(jwk.k, 'base64url')).toHaveLength(32);
    expect(generateAesJwk().k).not.toBe(jwk.k);
  });

  it('serialises to exactly 190 URI-encoded bytes (the RSA-OAEP-2048 limit)', () => {
    for (let i = 0; i < 20; i++) {
      expect(encodeURIComponent(JSON.stringify(generateAesJwk()))).toHaveLength(190);
    }
  });
});

describe('generateRsaKeyPair', () => {
  let pair: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
  beforeAll(async () => {
    pair = await generateRsaKeyPair();
  });

  it('exports the public key like a browser: alphabetical, e=AQAB, key_ops encrypt', () => {
    expect(Object.keys(pair.publicJwk)).toEqual(['alg', 'e', 'ext', 'key_ops', 'kty', 'n']);
    expect(pair.publicJwk).toMatchObject({ alg: 'RSA-OAEP-256', e: 'AQAB', ext: true, key_ops: ['encrypt'], kty: 'RSA' });
  });

  it('exports the private key like a browser: alphabetical, key_ops decrypt, same n and e', () => {
    expect(Object.keys(pair.privateJwk)).toEqual(['alg', 'd', 'dp', 'dq', 'e', 'ext', 'key_ops', 'kty', 'n', 'p', 'q', 'qi']);
    expect(pair.privateJwk).toMatchObject({ alg: 'RSA-OAEP-256', e: 'AQAB', ext: true, key_ops: ['decrypt'], kty: 'RSA', n: pair.publicJwk.n });
  });

  it('is a 2048-bit key with base64url members and no padding', () => {
    const details = createPublicKey({ key: { kty: 'RSA', n: pair.publicJwk.n, e: pair.publicJwk.e }, format: 'jwk' }).asymmetricKeyDetails;
    expect(details?.modulusLength).toBe(2048);
    for (const value of [pair.privateJwk.n, pair.privateJwk.d, pair.privateJwk.p, pair.privateJwk.qi]) {
      expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('passes its own validators', () => {
    expect(isRsaPublicJwkJson(JSON.stringify(pair.publicJwk))).toBe(true);
    expect(parseRsaPrivateJwk(pair.privateJwk)).toEqual(pair.privateJwk);
  });

  describe('isRsaPublicJwkJson', () => {
    const mutate = (patch: Record<string, unknown>) => JSON.stringify({ ...pair.publicJwk, ...patch });

    it.each([
      ['wrong alg', { alg: 'RSA-OAEP' }],
      ['wrong kty', { kty: 'EC' }],
      ['key_ops without encrypt', { key_ops: ['decrypt'] }],
      ['key_ops not an array', { key_ops: 'encrypt' }],
      ['missing n', { n: undefined }],
      ['missing e', { e: undefined }],
      ['non-base64url n', { n: 'abc+/=' }],
      ['ext not a boolean', { ext: 'yes' }],
    ])('rejects %s', (_label, patch) => {
      expect(isRsaPublicJwkJson(mutate(patch))).toBe(false);
    });

    it('rejects a private key uploaded as the public key', () => {
      expect(isRsaPublicJwkJson(JSON.stringify({ ...pair.privateJwk, key_ops: ['encrypt'] }))).toBe(false);
    });

    it('rejects keys under 2048 bits', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      expect(isRsaPublicJwkJson(mutate({ n: small.n, e: small.e }))).toBe(false);
    });

    it('rejects non-JSON and non-objects', () => {
      expect(isRsaPublicJwkJson('{')).toBe(false);
      expect(isRsaPublicJwkJson('null')).toBe(false);
      expect(isRsaPublicJwkJson('[]')).toBe(false);
    });

    it('parseRsaPublicJwk throws InvalidKeyError with the reason', () => {
      expect(() => parseRsaPublicJwk({ ...pair.publicJwk, alg: 'RS256' })).toThrow(/alg "RSA-OAEP-256"/);
      expect(() => parseRsaPublicJwk({ ...pair.publicJwk, alg: 'RS256' })).toThrow(InvalidKeyError);
    });
  });
});

describe('parseAesJwk', () => {
  it('rebuilds a key in browser order and drops extra members', () => {
    const jwk = generateAesJwk();
    const shuffled = { kty: 'oct', key_ops: ['encrypt', 'decrypt'], k: jwk.k, ext: true, alg: 'A256GCM', use: 'enc' };
    const parsed = parseAesJwk(shuffled);
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(jwk));
  });

  it('rejects incomplete or wrong keys', () => {
    const jwk = generateAesJwk();
    expect(() => parseAesJwk({ ...jwk, alg: undefined })).toThrow(InvalidKeyError);
    expect(() => parseAesJwk({ ...jwk, ext: false })).toThrow(InvalidKeyError);
    expect(() => parseAesJwk({ ...jwk, key_ops: undefined })).toThrow(InvalidKeyError);
    expect(() => parseAesJwk({ ...jwk, k: Buffer.alloc(24).toString('base64url') })).toThrow(InvalidKeyError);
    expect(() => parseAesJwk('not an object')).toThrow(InvalidKeyError);
  });
});
