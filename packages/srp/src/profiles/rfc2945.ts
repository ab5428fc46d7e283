/**
 * The `rfc2945` profile: the formulas of npm secure-remote-password@0.3.1 (LinusU), for clients
 * built on that library. In its terms H(...) hashes each SRPInteger as the bytes of its hex,
 * left-padded to the hex length the value was created with:
 *
 *   x  = H(s, H(I ":" p))          p is a (UTF-8) string; s hashed as the salt hex given
 *   k  = H(N, g)                   g is ONE byte (0x02), not padded: differs from insomnia's k
 *   u  = H(A, B)                   A and B hashed as sent on the wire (always 512 hex from that lib)
 *   K  = H(PAD(S))                 modPow results carry N's hex length, so S is padded
 *   M1 = H(H(N) xor H(g), H(I), s, A, B, K)
 *   M2 = H(A, M1, K)
 *
 * One deliberate deviation: for an odd-length A or B the library's Buffer.from(hex, 'hex') drops
 * the last nibble (hashing a different number); here the hex is read as the number it denotes.
 * Its own client always sends 512 hex chars, so real handshakes are unaffected.
 */
import { bytesToBigint, hexToBytes, pad, sha256, xorBytes } from '../bytes';
import { G, N } from '../params';
import type { ProfileImpl } from './types';

const G_BYTES = Buffer.from([Number(G)]);
/** H(N) xor H(g), a constant of the group. */
const HN_XOR_HG = xorBytes(sha256(pad(N)), sha256(G_BYTES));

export const rfc2945Profile: ProfileImpl = {
  name: 'rfc2945',
  k: bytesToBigint(sha256(pad(N), G_BYTES)),
  requiresFullLengthServerPublic: false,

  computeX(identity, salt, password) {
    // The library builds the template string `${I}:${p}`; a Buffer here would be a caller mistake.
    if (typeof password !== 'string') {
      throw new TypeError('rfc2945 profile: password must be a string');
    }
    const inner = sha256(Buffer.from(`${identity}:${password}`, 'utf8'));
    return bytesToBigint(sha256(salt, inner));
  },

  publicValueBytes(hex) {
    return hexToBytes(hex);
  },

  computeU(A, B) {
    return bytesToBigint(sha256(A, B));
  },

  computeK(S) {
    return sha256(pad(S));
  },

  computeM1({ identity, salt, A, B, K }) {
    return sha256(HN_XOR_HG, sha256(Buffer.from(identity, 'utf8')), salt, A, B, K);
  },

  computeM2(A, M1, K) {
    return sha256(A, M1, K);
  },
};
