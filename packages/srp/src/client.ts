/**
 * Client side: signup (verifier) and login (A, then M1 from B). Used by our SDK/CLI and by tests
 * as an independent counterpart to the server; the insomnia profile matches srp-js's Client.
 */
import { constantTimeEqual, hexToBigint, hexToBytes, isHex, padHex } from './bytes';
import { modN, modPow, modPowG } from './modexp';
import { HASH_HEX_LENGTH } from './params';
import { getProfile, type SrpProfile } from './profiles';
import { randomSecret, secretHex } from './random';
import { isValidClientPublicKey, isValidServerPublicKey, requireIdentity, requireSalt, requireSecret } from './validate';

/**
 * v = g^x mod N as 512 hex. `password` is the raw auth-secret bytes (Buffer) for `insomnia` and a
 * string for `rfc2945`; the wrong type throws instead of silently producing another verifier.
 */
export function computeVerifier(profile: SrpProfile, identity: string, saltHex: string, password: Buffer | string): string {
  const impl = getProfile(profile);
  const x = impl.computeX(requireIdentity(identity), requireSalt(saltHex), password);
  return padHex(modPowG(x));
}

export interface ClientEphemeral {
  aHex: string;
  AHex: string;
}

/** a = 32 random bytes, A = g^a mod N (512 hex). The same for both profiles. */
export function createClientEphemeral(): ClientEphemeral {
  const a = randomSecret();
  return { aHex: secretHex(a), AHex: padHex(modPowG(a)) };
}

export interface ClientSession {
  M1Hex: string;
  /** Session key; for Insomnia hex(K) is the session id. */
  KHex: string;
  /** The M2 an honest server must answer; check with verifyServerProof. */
  expectedM2Hex: string;
}

export interface ClientSessionInput {
  profile: SrpProfile;
  identity: string;
  saltHex: string;
  password: Buffer | string;
  aHex: string;
  AHex: string;
  BHex: string;
}

/**
 * S = (B − k·g^x)^(a + u·x) mod N, then K, M1 and the expected M2.
 * Throws on a B the client must refuse: B ≡ 0 (mod N), B ≥ N, non-hex, or (insomnia) not 512 hex.
 */
export function computeClientSession(input: ClientSessionInput): ClientSession {
  const impl = getProfile(input.profile);
  if (!isValidServerPublicKey(input.BHex, impl.requiresFullLengthServerPublic)) {
    throw new Error('invalid server public key B');
  }
  const identity = requireIdentity(input.identity);
  const salt = requireSalt(input.saltHex);
  const a = requireSecret(input.aHex, 'a');
  if (!isValidClientPublicKey(input.AHex)) throw new TypeError('A must be the value from createClientEphemeral');

  const A = impl.publicValueBytes(input.AHex);
  const B = impl.publicValueBytes(input.BHex);
  const u = impl.computeU(A, B);
  // RFC 5054 §2.6: the client aborts if u = 0 (it would make S independent of x). P ≈ 2^-256.
  if (u === 0n) throw new Error('invalid server public key B (u = 0)');

  const x = impl.computeX(identity, salt, input.password);
  const kv = impl.k * modPowG(x);
  // B − k·v is usually negative; reduce it into [0, N) before exponentiating.
  const S = modPow(modN(hexToBigint(input.BHex) - kv), a + u * x);
  const K = impl.computeK(S);
  const M1 = impl.computeM1({ identity, salt, A, B, S, K });
  const M2 = impl.computeM2(A, M1, K);
  return { M1Hex: M1.toString('hex'), KHex: K.toString('hex'), expectedM2Hex: M2.toString('hex') };
}

/** Constant-time check of the server's M2. Malformed input is simply "not authentic". */
export function verifyServerProof(expectedM2Hex: string, M2Hex: string): boolean {
  if (!isHex(expectedM2Hex, HASH_HEX_LENGTH, HASH_HEX_LENGTH) || !isHex(M2Hex, HASH_HEX_LENGTH, HASH_HEX_LENGTH)) {
    return false;
  }
  return constantTimeEqual(hexToBytes(expectedM2Hex), hexToBytes(M2Hex));
}
