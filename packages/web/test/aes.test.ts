import * as node from '@somnus/crypto';
import { decryptAES, encryptAES, generateAesJwk, WebCryptoError } from '../src/crypto';

const HEX_KEY = '4ffcd69101567aaa8c2132b879b2ebe126f4840ec83b8f353980912c2fcccb0a';

describe('AESMessage (WebCrypto)', () => {
  it('writes {iv, t, d, ad} in lowercase hex with a 12-byte IV and 16-byte tag, URI-encoding the string', async () => {
    const m = await encryptAES(HEX_KEY, 'a b');
    expect(Object.keys(m).sort()).toEqual(['ad', 'd', 'iv', 't']);
    expect(m.iv).toMatch(/^[0-9a-f]{24}$/);
    expect(m.t).toMatch(/^[0-9a-f]{32}$/);
    expect(m.ad).toBe('');
    // "a%20b" is 5 bytes: GCM ciphertext is as long as the plaintext
    expect(m.d).toHaveLength(10);
  });

  it('opens with @somnus/crypto, and opens what @somnus/crypto made (hex key and JWK)', async () => {
    const jwk = generateAesJwk();
    const text = '{"ünïcode":"✓ & % + /"}';
    for (const key of [HEX_KEY, jwk]) {
      expect(node.decryptAES(key, await encryptAES(key, text))).toBe(text);
      await expect(decryptAES(key, node.encryptAES(key, text))).resolves.toBe(text);
      await expect(decryptAES(key, JSON.stringify(node.encryptAES(key, text, 'aad')))).resolves.toBe(text);
    }
  });

  it('refuses a wrong key, an altered message and a tag shorter than 96 bits', async () => {
    const m = await encryptAES(HEX_KEY, 'secret');
    await expect(decryptAES('00'.repeat(32), m)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    const flipped = { ...m, d: (m.d[0] === '0' ? '1' : '0') + m.d.slice(1) };
    await expect(decryptAES(HEX_KEY, flipped)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(decryptAES(HEX_KEY, { ...m, t: m.t.slice(0, 16) })).rejects.toBeInstanceOf(WebCryptoError);
    await expect(encryptAES('abc', 'x')).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });
});
