import nacl from 'tweetnacl';
import { appDeepLink, base64ToBytes, bytesToBase64, decodeLoginKey, loginBoxCode, openSealedBox, sealBox } from '../src/crypto';

/**
 * Made by libsodium 1.0.18's crypto_box_seal itself (python ctypes over libsodium.so.23), with the
 * recipient key pair from crypto_box_seed_keypair(sha256("somnus-web/sealed-box-vector/recipient")),
 * so opening it proves the layout (ephemeral pk | box, BLAKE2b-192 nonce) is libsodium's, not only
 * consistent with itself. docs/protocol.md §4.2.
 */
const LIBSODIUM = {
  publicKey: 'MaN/GBwMPw77zrjINFtHIzO6vfKiVKC+QWHDrXnpoyU=',
  secretKey: 'ITXa2UFqjPt6je6FvK/DVO5esJnOH33fbpHww8PELN0=',
  message: '{"token":"0d7abdd3fc4e30392a3e39ffec7e5f146362d90668cf9b2383f7a202f4be6f76","key":"8b8bc1d7821980b052953429eee685501b39677254d3654cf3033b55317b3199"}',
  box:
    'kecnIuRffqm6elbWDT8VSkXEDvIzVgtNAdSxayRXawLbBwKdqOSRVfaSdx+3zVI9qHOYOEisYQcOVtTR9tJPb4Pe/uxsj42hfzcL0dWgaB6wQ7rxTWCk5QLlOc1W+8QPsfbk' +
    'xEswDMfIuau5Ue5axprE/E3XiPHA7/SLFyEJFo27jipogkzv6FTLMJzHFycH5iehIMCfD3aWyFiejYg4nKvNIEfTHPTDmaPobQdRB5fr638JKhtAllZXRVyAL0N+PpkK1LM=',
};

const TOKEN = 'ab'.repeat(32);
const KEY = 'cd'.repeat(32);

describe('sealed box (libsodium crypto_box_seal, docs/protocol.md §4.2)', () => {
  const pk = base64ToBytes(LIBSODIUM.publicKey);
  const sk = base64ToBytes(LIBSODIUM.secretKey);

  it('opens the box libsodium sealed, to the expected {token, key}', () => {
    const opened = JSON.parse(new TextDecoder().decode(openSealedBox(base64ToBytes(LIBSODIUM.box), pk, sk))) as { token: string; key: string };
    expect(JSON.stringify(opened)).toBe(LIBSODIUM.message);
    expect(opened.token.slice(0, 8)).toBe('0d7abdd3');
    expect(opened.key.slice(0, 8)).toBe('8b8bc1d7');
  });

  it('seals what opens (and the sealer cannot open it without the secret key)', () => {
    const message = new TextEncoder().encode('hand-off');
    const box = sealBox(message, pk);
    expect(box).toHaveLength(message.length + 48);
    expect(openSealedBox(box, pk, sk)).toEqual(message);
    const other = nacl.box.keyPair();
    expect(() => openSealedBox(box, other.publicKey, other.secretKey)).toThrow(/does not open/);
    const altered = box.slice();
    altered[40] = altered[40]! ^ 1;
    expect(() => openSealedBox(altered, pk, sk)).toThrow(/does not open/);
    // a fresh ephemeral key each time
    expect(bytesToBase64(sealBox(message, pk).subarray(0, 32))).not.toBe(bytesToBase64(box.subarray(0, 32)));
  });

  it('refuses a recipient key that is not 32 bytes', () => {
    expect(() => sealBox(new Uint8Array(1), new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

/** Small-order X25519 points (libsodium's blocklist): every shared secret with them is zero. */
const SMALL_ORDER_POINTS = [
  new Uint8Array(32),
  Uint8Array.from([1, ...new Array(31).fill(0)]),
  Uint8Array.from(Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex')),
];

describe('weak app keys', () => {
  it('sealBox refuses a small-order recipient key, whose box anyone could open', () => {
    for (const point of SMALL_ORDER_POINTS) expect(() => sealBox(new Uint8Array([1, 2, 3]), point)).toThrow(/weak/);
  });

  it('decodeLoginKey refuses one before the person signs in', () => {
    for (const point of SMALL_ORDER_POINTS) expect(() => decodeLoginKey(encodeURIComponent(bytesToBase64(point)))).toThrow(/not a usable public key/);
    // and a real key still passes
    expect(decodeLoginKey(bytesToBase64(nacl.box.keyPair().publicKey))).toHaveLength(32);
  });
});

describe('the hand-off to the app', () => {
  const app = nacl.box.keyPair();
  const loginKeyB64 = bytesToBase64(app.publicKey);

  it('decodes loginKey however many times it is still URI-encoded, and with + read as a space', () => {
    // a key whose base64 has '+', '/' and '=' so every encoding case is exercised
    const key = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xfb : i === 1 ? 0xff : i * 7));
    const b64 = bytesToBase64(key);
    expect(b64).toMatch(/\+/);
    expect(b64).toMatch(/\//);
    expect(b64).toMatch(/=$/);
    const once = encodeURIComponent(b64);
    const twice = encodeURIComponent(once);
    // what the page's query parser hands over for the app's URL (the app encodes the key once itself)
    const url = new URL(`https://somnus.test/app/auth-app/?loginKey=${twice}`);
    expect(decodeLoginKey(url.searchParams.get('loginKey')!)).toEqual(key);
    for (const param of [b64, once, twice, encodeURIComponent(twice), b64.replace(/\+/g, ' '), ` ${once} `]) {
      expect(decodeLoginKey(param)).toEqual(key);
    }
    // a link whose + was form-decoded to a space after one encoding layer was undone
    expect(decodeLoginKey(new URLSearchParams(`loginKey=${b64}`).get('loginKey')!)).toEqual(key);
  });

  it('refuses anything that is not 32 bytes of base64, with a clear message', () => {
    for (const bad of ['', 'abc', bytesToBase64(new Uint8Array(31)), bytesToBase64(new Uint8Array(33)), '%E0%A4%A', 'not*base64*at*all*not*base64*at*all*12345=']) {
      expect(() => decodeLoginKey(bad)).toThrow(/loginKey/);
    }
  });

  it('makes a code the app opens to {token, key}, and its deep link', () => {
    const code = loginBoxCode(TOKEN, KEY, decodeLoginKey(encodeURIComponent(loginKeyB64)));
    const opened = openSealedBox(base64ToBytes(code), app.publicKey, app.secretKey);
    expect(JSON.parse(new TextDecoder().decode(opened))).toEqual({ token: TOKEN, key: KEY });
    const link = appDeepLink(code);
    expect(link.startsWith('insomnia://app/auth/finish?box=')).toBe(true);
    expect(new URL(link).searchParams.get('box')).toBe(code);
    expect(() => loginBoxCode('nothex', KEY, app.publicKey)).toThrow(/64 lowercase hex/);
  });
});
