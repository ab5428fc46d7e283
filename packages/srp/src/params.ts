/**
 * The one SRP group Somnus speaks: RFC 5054 Appendix A, 2048-bit, g = 2, H = SHA-256.
 *
 * Both the Insomnia client (srp-js `params[2048]`) and `secure-remote-password` use exactly this
 * group, so the two profiles differ only in how they hash things, never in the arithmetic.
 */

/** N as 512 lowercase hex chars (256 bytes; its top byte is 0xac, so no leading zero). */
export const N_HEX =
  'ac6bdb41324a9a9bf166de5e1389582faf72b6651987ee07fc3192943db56050a37329cbb4a099ed8193e0757767a13d' +
  'd52312ab4b03310dcd7f48a9da04fd50e8083969edb767b0cf6095179a163ab3661a05fbd5faaae82918a9962f0b93b8' +
  '55f97993ec975eeaa80d740adbf4ff747359d041d5c33ea71d281e446b14773bca97b43a23fb801676bd207a436c6481' +
  'f1d2b9078717461a5b9d32e688f87748544523b524b0d57d5ea77a2775d2ecfa032cfbdbf52fb37861602790' +
  '04e57ae6af874e7303ce53299ccc041c7bc308d82a5698f3a8d0c38271ae35f8e9dbfbb694b5c803d89f7ae435de236d' +
  '525f54759b65e372fcd68ef20fa7111f9e4aff73';

export const N: bigint = BigInt(`0x${N_HEX}`);
export const G = 2n;

/** Length of N in bytes: the width every PAD() pads to, and of every public value on the wire. */
export const N_BYTES = 256;
export const N_HEX_LENGTH = N_BYTES * 2;

/** Ephemeral secrets (a, b) are 32 random bytes, as in both reference libraries. */
export const SECRET_BYTES = 32;
export const SECRET_HEX_LENGTH = SECRET_BYTES * 2;

/** SHA-256 output, the length of K, M1 and M2. */
export const HASH_BYTES = 32;
export const HASH_HEX_LENGTH = HASH_BYTES * 2;
