import {
  CryptoError,
  DecryptionError,
  InvalidKeyError,
  MalformedInputError,
  decryptAES,
  decryptAESToBuffer,
  encryptAES,
  encryptAESBuffer,
  generateAesJwk,
  isAESMessageJson,
  parseAESMessage,
  type AESMessage,
  type AesJwk,
} from '../src';
import { HEX_KEY, OTHER_HEX_KEY, flipHexDigit } from './helpers';

const UNICODE = 'héllo wörld 🌙 — 100% “quoted” \u0000 end';

describe('encryptAES / decryptAES', () => {
  it('round-trips strings, including unicode, % and the empty string', () => {
    for (const s of [UNICODE, '100%', '%E0%A4%A', '', '{"a":1}']) {
      expect(decryptAES(HEX_KEY, encryptAES(HEX_KEY, s))).toBe(s);
    }
  });

  it('produces {iv, t, d, ad} as lowercase hex with a 12-byte IV and 16-byte tag', () => {
    const m = encryptAES(HEX_KEY, 'abc');
    expect(Object.keys(m)).toEqual(['iv', 't', 'd', 'ad']);
    expect(m.iv).toMatch(/^[0-9a-f]{24}$/);
    expect(m.t).toMatch(/^[0-9a-f]{32}$/);
    expect(m.d).toMatch(/^[0-9a-f]{6}$/);
    expect(m.ad).toBe('');
  });

  it('URI-encodes the plaintext before encrypting', () => {
    const m = encryptAES(HEX_KEY, UNICODE);
    const raw = decryptAESToBuffer(HEX_KEY, m).toString('utf8');
    expect(raw).toBe(encodeURIComponent(UNICODE));
    expect(m.d.length).toBe(2 * encodeURIComponent(UNICODE).length);
  });

  it('uses a fresh IV each time', () => {
    const a = encryptAES(HEX_KEY, 'same');
    const b = encryptAES(HEX_KEY, 'same');
    expect(a.iv).not.toBe(b.iv);
    expect(a.d).not.toBe(b.d);
  });

  it.each(['d', 't', 'iv'] as const)('rejects a message whose %s was altered', (field) => {
    const m = encryptAES(HEX_KEY, 'secret payload');
    const tampered: AESMessage = { ...m, [field]: flipHexDigit(m[field], 3) };
    expect(() => decryptAES(HEX_KEY, tampered)).toThrow(DecryptionError);
    expect(decryptAES(HEX_KEY, m)).toBe('secret payload');
  });

  it('rejects the wrong key', () => {
    const m = encryptAES(HEX_KEY, 'secret');
    expect(() => decryptAES(OTHER_HEX_KEY, m)).toThrow(DecryptionError);
    expect(() => decryptAES(generateAesJwk(), m)).toThrow(DecryptionError);
  });

  it('treats a 64-hex key and a JWK with the same bytes as the same key', () => {
    const jwk = generateAesJwk();
    const hex = Buffer.from(jwk.k, 'base64url').toString('hex');
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(decryptAES(hex, encryptAES(jwk, UNICODE))).toBe(UNICODE);
    expect(decryptAES(jwk, encryptAES(hex, UNICODE))).toBe(UNICODE);
    expect(decryptAESToBuffer(hex, encryptAESBuffer(jwk, Buffer.from([1, 2, 3])))).toEqual(Buffer.from([1, 2, 3]));
  });

  it('accepts upper-case hex keys', () => {
    expect(decryptAES(HEX_KEY.toUpperCase(), encryptAES(HEX_KEY, 'x'))).toBe('x');
  });

  it('does not care about member order of the AESMessage (older clients wrote iv,t,ad,d)', () => {
    const m = encryptAES(HEX_KEY, UNICODE, 'meta');
    const reordered = JSON.parse(JSON.stringify({ ad: m.ad, d: m.d, t: m.t, iv: m.iv })) as AESMessage;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(m));
    expect(decryptAES(HEX_KEY, reordered)).toBe(UNICODE);
    const legacyOrder = JSON.parse(`{"iv":"${m.iv}","t":"${m.t}","ad":"${m.ad}","d":"${m.d}"}`) as AESMessage;
    expect(decryptAES(HEX_KEY, legacyOrder)).toBe(UNICODE);
  });

  it('binds additional data and stores it as hex in ad', () => {
    const m = encryptAES(HEX_KEY, 'payload', 'meta');
    expect(m.ad).toBe(Buffer.from('meta').toString('hex'));
    expect(decryptAES(HEX_KEY, m)).toBe('payload');
    expect(() => decryptAES(HEX_KEY, { ...m, ad: Buffer.from('metb').toString('hex') })).toThrow(DecryptionError);
    expect(() => decryptAES(HEX_KEY, { ...m, ad: '' })).toThrow(DecryptionError);
    // And AAD cannot be added after the fact to a message made without it.
    const plain = encryptAES(HEX_KEY, 'payload');
    expect(() => decryptAES(HEX_KEY, { ...plain, ad: '00' })).toThrow(DecryptionError);
  });

  it('takes the tag length from t but refuses tags shorter than 96 bits', () => {
    const m = encryptAES(HEX_KEY, 'x');
    expect(() => decryptAES(HEX_KEY, { ...m, t: m.t.slice(0, 8) })).toThrow(MalformedInputError);
    expect(() => decryptAES(HEX_KEY, { ...m, t: m.t.slice(0, 22) })).toThrow(MalformedInputError);
    // GCM tags truncate by prefix and the tag length comes from t, so the first 96 bits of the genuine
    // tag still authenticate (as in Insomnia)...
    expect(decryptAES(HEX_KEY, { ...m, t: m.t.slice(0, 24) })).toBe('x');
    // ...but a wrong 96-bit tag does not.
    expect(() => decryptAES(HEX_KEY, { ...m, t: flipHexDigit(m.t.slice(0, 24), 23) })).toThrow(DecryptionError);
  });

  it('rejects malformed keys', () => {
    expect(() => encryptAES('abc', 'x')).toThrow(InvalidKeyError);
    expect(() => encryptAES('g'.repeat(64), 'x')).toThrow(InvalidKeyError);
    expect(() => encryptAES(HEX_KEY.slice(0, 32), 'x')).toThrow(InvalidKeyError);
    const jwk = generateAesJwk();
    expect(() => encryptAES({ ...jwk, kty: 'RSA' } as unknown as AesJwk, 'x')).toThrow(InvalidKeyError);
    expect(() => encryptAES({ ...jwk, alg: 'A128GCM' } as unknown as AesJwk, 'x')).toThrow(InvalidKeyError);
    expect(() => encryptAES({ ...jwk, k: Buffer.alloc(16).toString('base64url') }, 'x')).toThrow(InvalidKeyError);
    expect(() => encryptAES({ ...jwk, k: jwk.k.slice(0, 42) + '+' }, 'x')).toThrow(InvalidKeyError);
  });

  it('rejects malformed messages before decrypting', () => {
    const m = encryptAES(HEX_KEY, 'x');
    expect(() => decryptAES(HEX_KEY, { ...m, iv: 'zz' })).toThrow(MalformedInputError);
    expect(() => decryptAES(HEX_KEY, { ...m, d: m.d + '0' })).toThrow(MalformedInputError);
    expect(() => decryptAES(HEX_KEY, { iv: m.iv, t: m.t, d: m.d } as AESMessage)).toThrow(MalformedInputError);
    expect(() => decryptAES(HEX_KEY, null as unknown as AESMessage)).toThrow(MalformedInputError);
  });
});

describe('encryptAESBuffer / decryptAESToBuffer', () => {
  it('round-trips arbitrary bytes', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(decryptAESToBuffer(HEX_KEY, encryptAESBuffer(HEX_KEY, all))).toEqual(all);
    expect(decryptAESToBuffer(HEX_KEY, encryptAESBuffer(HEX_KEY, Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });

  it('does not URI-encode', () => {
    const bytes = Buffer.from('a b%', 'utf8');
    const m = encryptAESBuffer(HEX_KEY, bytes);
    expect(m.d.length).toBe(2 * bytes.length);
    expect(m.ad).toBe('');
    expect(decryptAESToBuffer(HEX_KEY, m)).toEqual(bytes);
    // A lone '%' is not valid URI encoding, so the string decrypter refuses it.
    expect(() => decryptAES(HEX_KEY, m)).toThrow(CryptoError);
  });

  it('detects tampering too', () => {
    const m = encryptAESBuffer(HEX_KEY, Buffer.from('blob'));
    expect(() => decryptAESToBuffer(HEX_KEY, { ...m, d: flipHexDigit(m.d) })).toThrow(DecryptionError);
  });
});

describe('isAESMessageJson / parseAESMessage', () => {
  const m = encryptAES(HEX_KEY, 'x');

  it('accepts compact and pretty-printed (blob) JSON', () => {
    expect(isAESMessageJson(JSON.stringify(m))).toBe(true);
    expect(isAESMessageJson(JSON.stringify(m, null, 2))).toBe(true);
  });

  it.each([
    ['not JSON', 'nope'],
    ['null', 'null'],
    ['an array', '[]'],
    ['an empty object', '{}'],
    ['missing ad', JSON.stringify({ iv: m.iv, t: m.t, d: m.d })],
    ['non-hex d', JSON.stringify({ ...m, d: 'xyz0' })],
    ['odd-length iv', JSON.stringify({ ...m, iv: m.iv.slice(1) })],
    ['empty iv', JSON.stringify({ ...m, iv: '' })],
    ['a 32-bit tag', JSON.stringify({ ...m, t: m.t.slice(0, 8) })],
    ['a numeric t', JSON.stringify({ ...m, t: 1 })],
  ])('rejects %s', (_label, json) => {
    expect(isAESMessageJson(json)).toBe(false);
  });

  it('returns a clean copy without extra members', () => {
    expect(parseAESMessage({ ...m, extra: 1 })).toEqual(m);
  });
});
