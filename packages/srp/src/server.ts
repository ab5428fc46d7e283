/**
 * Server side of the login: B for /auth/login-a, then M1 → M2 for /auth/login-m1.
 *
 * Cost per login is three 2048-bit modexps through OpenSSL: g^b here, v^u and (A·v^u)^b in
 * verifyClientProof. The server never needs x or the password, only the stored verifier.
 */
import { constantTimeEqual, hexToBigint, hexToBytes, isHex, padHex } from './bytes';
import { modN, modPow, modPowG } from './modexp';
import { HASH_HEX_LENGTH, N, N_HEX_LENGTH } from './params';
import { getProfile, type ProfileImpl, type SrpProfile } from './profiles';
import { randomSecret, secretHex } from './random';
import { isValidClientPublicKey, requireIdentity, requireSalt, requireSecret, requireVerifier } from './validate';

export interface ServerEphemeral {
  /** Server secret b, 64 hex. Keep it server-side (login session row) until M1 arrives. */
  bHex: string;
  /** Server public B, always exactly 512 hex: srp-js clients assert a 256-byte B. */
  BHex: string;
}

export interface ServerSessionInput {
  profile: SrpProfile;
  identity: string;
  saltHex: string;
  verifierHex: string;
  AHex: string;
  bHex: string;
  BHex: string;
  M1Hex: string;
}

export type ServerSessionResult =
  | { ok: true; M2Hex: string; KHex: string }
  | { ok: false; reason: 'BAD_CLIENT_PUBLIC' | 'BAD_PROOF' };

/** B = (k·v + g^b) mod N. The whole sum is reduced, as srp-js and RFC 5054 do. */
function serverPublic(impl: ProfileImpl, v: bigint, b: bigint): bigint {
  return modN(impl.k * v + modPowG(b));
}

export function createServerEphemeral(profile: SrpProfile, verifierHex: string): ServerEphemeral {
  const impl = getProfile(profile);
  const v = requireVerifier(verifierHex);
  for (;;) {
    const b = randomSecret();
    const B = serverPublic(impl, v, b);
    // B ≡ 0 is refused by every client; a fresh b is cheaper than a failed login (never seen).
    if (B !== 0n) return { bHex: secretHex(b), BHex: padHex(B) };
  }
}

/** B for a given b: what createServerEphemeral does minus the randomness (for vectors and tests). */
export function computeServerPublic(profile: SrpProfile, verifierHex: string, bHex: string): string {
  return padHex(serverPublic(getProfile(profile), requireVerifier(verifierHex), requireSecret(bHex, 'b')));
}

const BAD_CLIENT_PUBLIC = Object.freeze({ ok: false, reason: 'BAD_CLIENT_PUBLIC' } as const);
const BAD_PROOF = Object.freeze({ ok: false, reason: 'BAD_PROOF' } as const);

/**
 * Checks the client's M1 and, only if it matches, returns M2 and the session key K.
 * Order matters: A is validated before any arithmetic (A ≡ 0 mod N would let anyone log in), and
 * M1 is compared in constant time before M2 is derived, so a wrong guess never yields M2.
 */
export function verifyClientProof(input: ServerSessionInput): ServerSessionResult {
  const impl = getProfile(input.profile);
  if (!isValidClientPublicKey(input.AHex)) return BAD_CLIENT_PUBLIC;

  const identity = requireIdentity(input.identity);
  const salt = requireSalt(input.saltHex);
  const v = requireVerifier(input.verifierHex);
  const b = requireSecret(input.bHex, 'b');
  if (!isHex(input.BHex, N_HEX_LENGTH, N_HEX_LENGTH) || hexToBigint(input.BHex) >= N) {
    throw new TypeError('B must be the 512-hex value from createServerEphemeral');
  }
  // Cheap format check before the modexps: M1 is a SHA-256, anything else cannot match.
  if (!isHex(input.M1Hex, HASH_HEX_LENGTH, HASH_HEX_LENGTH)) return BAD_PROOF;

  const A = impl.publicValueBytes(input.AHex);
  const B = impl.publicValueBytes(input.BHex);
  const u = impl.computeU(A, B);
  // S = (A · v^u)^b mod N. B is trusted as ours, so g^b is not recomputed here.
  const S = modPow(modN(hexToBigint(input.AHex) * modPow(v, u)), b);
  const K = impl.computeK(S);

  const expectedM1 = impl.computeM1({ identity, salt, A, B, S, K });
  if (!constantTimeEqual(expectedM1, hexToBytes(input.M1Hex))) return BAD_PROOF;

  const M2 = impl.computeM2(A, expectedM1, K);
  return { ok: true, M2Hex: M2.toString('hex'), KHex: K.toString('hex') };
}
