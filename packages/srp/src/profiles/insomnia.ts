/**
 * The `insomnia` profile: byte-for-byte what Kong's srp-js@0.2.1 (lib/srp.js) computes, which is
 * what every Insomnia desktop client that logs in with SRP speaks.
 *
 *   x  = H(s | H(I | ":" | P))        P = 32 raw bytes (hex-decoded authSecret), I = UTF-8 email
 *   k  = H(PAD(N) | PAD(g))           g padded to 256 bytes, unlike RFC 5054's usual H(N | g)
 *   u  = H(PAD(A) | PAD(B))
 *   K  = H(PAD(S))
 *   M1 = H(PAD(A) | PAD(B) | PAD(S))  not the RFC 2945 M; it proves S directly
 *   M2 = H(PAD(A) | M1 | K)
 *
 * Every public value is hashed PADded, so a client that sent A without leading zeros still hashes
 * the same bytes as one that padded it.
 */
import { bytesToBigint, hexToBigint, pad, sha256 } from '../bytes';
import { G, N } from '../params';
import type { ProfileImpl } from './types';

const COLON = Buffer.from(':', 'utf8');

export const insomniaProfile: ProfileImpl = {
  name: 'insomnia',
  k: bytesToBigint(sha256(pad(N), pad(G))),
  requiresFullLengthServerPublic: true,

  computeX(identity, salt, password) {
    // srp-js takes P as a Buffer; Insomnia's P is 32 raw bytes that cannot survive a JS string.
    // Refusing strings catches callers that pass the authSecret *hex* by mistake.
    if (typeof password === 'string' || !(password instanceof Uint8Array)) {
      throw new TypeError('insomnia profile: password must be the raw bytes of the auth secret (Buffer)');
    }
    const inner = sha256(Buffer.from(identity, 'utf8'), COLON, password);
    return bytesToBigint(sha256(salt, inner));
  },

  publicValueBytes(hex) {
    return pad(hexToBigint(hex));
  },

  computeU(A, B) {
    return bytesToBigint(sha256(A, B));
  },

  computeK(S) {
    return sha256(pad(S));
  },

  computeM1({ A, B, S }) {
    return sha256(A, B, pad(S));
  },

  computeM2(A, M1, K) {
    return sha256(A, M1, K);
  },
};
