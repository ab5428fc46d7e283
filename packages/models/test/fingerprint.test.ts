import { generateKeyPairSync } from 'node:crypto';
import { FINGERPRINT_PATTERN, fingerprintOf, publicKeyThumbprint, sameFingerprint } from '../src/fingerprint';

/** RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint. */
const RFC7638_KEY = {
  kty: 'RSA',
  n:
    '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
    'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n' +
    '91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

describe('public key fingerprints', () => {
  it('hashes the RFC 7638 thumbprint input (the published example)', () => {
    expect(Buffer.from(publicKeyThumbprint(RFC7638_KEY)).toString('base64url')).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('is six groups of five digits, the same for the JWK and for the stored JSON string, whatever extra members or order', () => {
    const fp = fingerprintOf(RFC7638_KEY);
    expect(fp).toMatch(FINGERPRINT_PATTERN);
    const stored = JSON.stringify({ alg: 'RSA-OAEP-256', e: RFC7638_KEY.e, ext: true, key_ops: ['encrypt'], kty: 'RSA', n: RFC7638_KEY.n });
    expect(fingerprintOf(stored)).toBe(fp);
  });

  it('differs for different keys', () => {
    const jwk = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
    expect(fingerprintOf(jwk())).not.toBe(fingerprintOf(jwk()));
  });

  it('refuses what is not an RSA public JWK', () => {
    expect(() => fingerprintOf({ kty: 'oct', n: '', e: '' })).toThrow(TypeError);
    expect(() => fingerprintOf('{"kty":"RSA","n":"abc"}')).toThrow(TypeError);
  });

  it('compares fingerprints as people type them', () => {
    const fp = fingerprintOf(RFC7638_KEY);
    expect(sameFingerprint(fp, fp.replace(/ /g, '-'))).toBe(true);
    expect(sameFingerprint(fp, fp.replace(/ /g, ''))).toBe(true);
    expect(sameFingerprint(fp, fp.replace(/^\d/, (d) => String((Number(d) + 1) % 10)))).toBe(false);
    expect(sameFingerprint('', '')).toBe(false);
  });
});
