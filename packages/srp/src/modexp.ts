/**
 * Modular exponentiation mod N through OpenSSL.
 *
 * Why OpenSSL: a 2048-bit modexp with a 256-bit exponent costs ~0.2–0.45 ms in OpenSSL versus
 * ~1.5–3.5 ms with BigInt square-and-multiply and far more with jsbn, and OpenSSL's DH code path
 * uses a constant-time ladder for the secret exponent. Node only exposes that modexp through the
 * Diffie-Hellman API: with prime N and generator g,
 *   setPrivateKey(e); generateKeys()   → g^e mod N
 *   setPrivateKey(e); computeSecret(y) → y^e mod N   (zero-padded to 256 bytes)
 *
 * Pitfalls handled here:
 * - createDiffieHellman(N, g) runs a primality check on N (~180 ms), so one instance is created
 *   lazily and reused. Reuse is safe because setPrivateKey + generateKeys/computeSecret run
 *   synchronously back to back; nothing can interleave on the single JS thread.
 * - computeSecret rejects "public keys" outside [2, N-2] (DH_check_pub_key) and an exponent of 0.
 *   Those are exactly the bases whose powers are trivial (0, 1, N-1 ≡ -1) and are answered
 *   directly; any other unexpected refusal falls back to BigInt square-and-multiply.
 * - generateKeys returns g^e *unpadded*; results here are bigints, callers PAD when hashing.
 */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { bigintToBytes, bytesToBigint, pad } from './bytes';
import { G, N } from './params';

let shared: DiffieHellman | undefined;

function openssl(): DiffieHellman {
  shared ??= createDiffieHellman(bigintToBytes(N), bigintToBytes(G));
  return shared;
}

/** Reduce into [0, N): BigInt's % keeps the sign of the dividend. */
export function modN(value: bigint): bigint {
  const r = value % N;
  return r < 0n ? r + N : r;
}

/** g^exp mod N. */
export function modPowG(exp: bigint): bigint {
  if (exp < 0n) throw new RangeError('negative exponent');
  if (exp === 0n) return 1n;
  const dh = openssl();
  dh.setPrivateKey(bigintToBytes(exp));
  return bytesToBigint(dh.generateKeys());
}

/** base^exp mod N, for any base (reduced mod N first) and exp ≥ 0. */
export function modPow(base: bigint, exp: bigint): bigint {
  if (exp < 0n) throw new RangeError('negative exponent');
  const b = modN(base);
  if (exp === 0n) return 1n;
  // The bases OpenSSL refuses as DH public keys, answered without it.
  if (b === 0n) return 0n;
  if (b === 1n) return 1n;
  if (b === N - 1n) return (exp & 1n) === 1n ? N - 1n : 1n;
  const dh = openssl();
  dh.setPrivateKey(bigintToBytes(exp));
  try {
    return bytesToBigint(dh.computeSecret(pad(b)));
  } catch {
    return bigintModPow(b, exp);
  }
}

/** Reference square-and-multiply; only reached if OpenSSL refuses a base we did not anticipate. */
export function bigintModPow(base: bigint, exp: bigint): bigint {
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
