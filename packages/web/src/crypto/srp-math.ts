/**
 * The SRP group and arithmetic for the browser (docs/protocol.md §3): RFC 5054's 2048-bit N, g = 2,
 * H = SHA-256, PAD to 256 bytes. The same numbers as packages/srp, without OpenSSL or Buffer.
 *
 * modPow is plain BigInt square-and-multiply (a few ms for a 2048-bit modulus). It is not constant
 * time; the only secret exponent it sees is a + u·x, on the user's own machine, once per login.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, concatBytes, copyBytes, hexToBytes, type Bytes } from './encoding';

/** N as 512 lowercase hex (RFC 5054 Appendix A, 2048-bit group), identical to packages/srp. */
export const N_HEX =
  'ac6bdb41324a9a9bf166de5e1389582faf72b6651987ee07fc3192943db56050a37329cbb4a099ed8193e0757767a13d' +
  'd52312ab4b03310dcd7f48a9da04fd50e8083969edb767b0cf6095179a163ab3661a05fbd5faaae82918a9962f0b93b8' +
  '55f97993ec975eeaa80d740adbf4ff747359d041d5c33ea71d281e446b14773bca97b43a23fb801676bd207a436c6481' +
  'f1d2b9078717461a5b9d32e688f87748544523b524b0d57d5ea77a2775d2ecfa032cfbdbf52fb37861602790' +
  '04e57ae6af874e7303ce53299ccc041c7bc308d82a5698f3a8d0c38271ae35f8e9dbfbb694b5c803d89f7ae435de236d' +
  '525f54759b65e372fcd68ef20fa7111f9e4aff73';
export const N = BigInt(`0x${N_HEX}`);
export const G = 2n;
export const N_BYTES = 256;

/** H(a | b | …), synchronous (@noble/hashes), so the SRP formulas read like their definitions. */
export function H(...parts: Uint8Array[]): Bytes {
  return copyBytes(sha256(concatBytes(...parts)));
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

/** PAD(x): big-endian, left-padded with zeros to 256 bytes; applied to every value hashed. */
export function pad(value: bigint, length: number = N_BYTES): Bytes {
  if (value < 0n) throw new RangeError('cannot pad a negative integer');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new RangeError(`integer does not fit in ${length} bytes`);
  return hexToBytes(hex.padStart(length * 2, '0'));
}

/** Reduce into [0, N): BigInt's % keeps the sign of the dividend. */
export function modN(value: bigint): bigint {
  const r = value % N;
  return r < 0n ? r + N : r;
}

/** base^exp mod N by square-and-multiply. */
export function modPow(base: bigint, exp: bigint): bigint {
  if (exp < 0n) throw new RangeError('negative exponent');
  let result = 1n;
  let b = modN(base);
  let e = exp;
  while (e > 0n) {
    if ((e & 1n) === 1n) result = (result * b) % N;
    b = (b * b) % N;
    e >>= 1n;
  }
  return result;
}
