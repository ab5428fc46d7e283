/**
 * node-forge is what Insomnia's client falls back to when WebCrypto is missing, and it was the only
 * implementation in older clients. These tests drive forge directly (not through our code) so a
 * disagreement in IV, tag, AAD, URI-encoding or OAEP parameters shows up as a failure.
 */
import forge from 'node-forge';
import { decryptAES, decryptAESToBuffer, decryptRSAWithJWK, encryptAES, encryptAESBuffer, encryptRSAWithJWK, generateAesJwk, generateRsaKeyPair, type AESMessage, type RsaPrivateJwk, type RsaPublicJwk } from '../src';
import { HEX_KEY } from './helpers';

const TEXT = 'Ünïcødé 🌙 & 100% {"json": true}';

function binary(buf: Buffer): string {
  return buf.toString('binary');
}

function forgeEncrypt(keyHex: string, plaintextBytes: Buffer, aadBytes: Buffer): AESMessage {
  const iv = forge.random.getBytesSync(12);
  const cipher = forge.cipher.createCipher('AES-GCM', forge.util.hexToBytes(keyHex));
  cipher.start({ iv, additionalData: binary(aadBytes), tagLength: 128 });
  cipher.update(forge.util.createBuffer(binary(plaintextBytes)));
  cipher.finish();
  return { iv: forge.util.bytesToHex(iv), t: cipher.mode.tag.toHex(), d: cipher.output.toHex(), ad: aadBytes.toString('hex') };
}

/** Returns the plaintext bytes, or null when forge's tag check fails. */
function forgeDecrypt(keyHex: string, m: AESMessage): Buffer | null {
  const decipher = forge.cipher.createDecipher('AES-GCM', forge.util.hexToBytes(keyHex));
  decipher.start({
    iv: forge.util.hexToBytes(m.iv),
    additionalData: forge.util.hexToBytes(m.ad),
    tagLength: m.t.length * 4,
    tag: forge.util.createBuffer(forge.util.hexToBytes(m.t)),
  });
  decipher.update(forge.util.createBuffer(forge.util.hexToBytes(m.d)));
  if (!decipher.finish()) return null;
  return Buffer.from(decipher.output.getBytes(), 'binary');
}

describe('AES-GCM interop with node-forge', () => {
  it('forge decrypts our encryptAES output to the URI-encoded plaintext', () => {
    const plain = forgeDecrypt(HEX_KEY, encryptAES(HEX_KEY, TEXT));
    expect(plain?.toString('utf8')).toBe(encodeURIComponent(TEXT));
  });

  it('forge decrypts our output with additional data, and rejects it with the AAD changed', () => {
    const m = encryptAES(HEX_KEY, TEXT, 'aad');
    expect(forgeDecrypt(HEX_KEY, m)?.toString('utf8')).toBe(encodeURIComponent(TEXT));
    expect(forgeDecrypt(HEX_KEY, { ...m, ad: Buffer.from('aae').toString('hex') })).toBeNull();
  });

  it('forge decrypts our encryptAESBuffer output byte for byte', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    expect(forgeDecrypt(HEX_KEY, encryptAESBuffer(HEX_KEY, bytes))).toEqual(bytes);
  });

  it('we decrypt what forge encrypts the way Insomnia does (URI-encoded string)', () => {
    const m = forgeEncrypt(HEX_KEY, Buffer.from(encodeURIComponent(TEXT), 'utf8'), Buffer.alloc(0));
    expect(decryptAES(HEX_KEY, m)).toBe(TEXT);
  });

  it('we decrypt forge output with AAD, and under a JWK with the same bytes', () => {
    const jwk = generateAesJwk();
    const keyHex = Buffer.from(jwk.k, 'base64url').toString('hex');
    const m = forgeEncrypt(keyHex, Buffer.from(encodeURIComponent(TEXT), 'utf8'), Buffer.from('meta'));
    expect(decryptAES(jwk, m)).toBe(TEXT);
    const blob = forgeEncrypt(keyHex, Buffer.from([0, 255, 1, 254]), Buffer.alloc(0));
    expect(decryptAESToBuffer(jwk, blob)).toEqual(Buffer.from([0, 255, 1, 254]));
  });
});

describe('RSA-OAEP (SHA-256, MGF1-SHA-256) interop with node-forge', () => {
  let pair: { publicJwk: RsaPublicJwk; privateJwk: RsaPrivateJwk };
  const big = (b64url: string) => new forge.jsbn.BigInteger(Buffer.from(b64url, 'base64url').toString('hex'), 16);
  const oaep = () => ({ md: forge.md.sha256.create(), mgf1: { md: forge.md.sha256.create() } });

  beforeAll(async () => {
    pair = await generateRsaKeyPair();
  });

  function forgePrivateKey(jwk: RsaPrivateJwk) {
    return forge.pki.setRsaPrivateKey(big(jwk.n), big(jwk.e), big(jwk.d), big(jwk.p), big(jwk.q), big(jwk.dp), big(jwk.dq), big(jwk.qi));
  }

  it('forge decrypts our ciphertext of a wrapped AES JWK', () => {
    const json = JSON.stringify(generateAesJwk());
    const hex = encryptRSAWithJWK(pair.publicJwk, json);
    const plain = forgePrivateKey(pair.privateJwk).decrypt(forge.util.hexToBytes(hex), 'RSA-OAEP', oaep());
    expect(decodeURIComponent(Buffer.from(plain, 'binary').toString('utf8'))).toBe(json);
  });

  it('we decrypt what forge encrypts to our public JWK', () => {
    const json = JSON.stringify(generateAesJwk());
    const publicKey = forge.pki.setRsaPublicKey(big(pair.publicJwk.n), big(pair.publicJwk.e));
    const ct = publicKey.encrypt(encodeURIComponent(json), 'RSA-OAEP', oaep());
    const hex = forge.util.bytesToHex(ct);
    expect(hex).toHaveLength(512);
    expect(decryptRSAWithJWK(pair.privateJwk, hex)).toBe(json);
  });

  it('is not compatible with SHA-1 OAEP (the parameters really are checked)', () => {
    const publicKey = forge.pki.setRsaPublicKey(big(pair.publicJwk.n), big(pair.publicJwk.e));
    const ct = publicKey.encrypt('hello', 'RSA-OAEP', { md: forge.md.sha1.create() });
    expect(() => decryptRSAWithJWK(pair.privateJwk, forge.util.bytesToHex(ct))).toThrow();
  });
});
