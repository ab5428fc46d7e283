/**
 * The client side of SRP-6a, profile `insomnia` (docs/protocol.md §3), for the browser. It mirrors
 * packages/srp/src/client.ts formula by formula (that module needs node:crypto and Buffer, so it is
 * not bundled; test/srp.test.ts checks this one against it and against our server):
 *
 *   x  = H(s | H(I | ":" | P))        P = the 32 raw bytes of deriveKey(…, saltKey)
 *   k  = H(PAD(N) | PAD(g))
 *   u  = H(PAD(A) | PAD(B))
 *   S  = (B − k·g^x)^(a + u·x) mod N
 *   K  = H(PAD(S))                    the session token is hex(K)
 *   M1 = H(PAD(A) | PAD(B) | PAD(S))
 *   M2 = H(PAD(A) | M1 | K)
 */
import { bytesToHex, concatBytes, constantTimeEqual, hexToBytes, utf8 } from './encoding';
import { WebCryptoError } from './errors';
import { randomBytes } from './random';
import { G, H, N, N_BYTES, bytesToBigint, modN, modPow, pad } from './srp-math';

const SECRET_BYTES = 32;
const COLON = utf8(':');
const k = bytesToBigint(H(pad(N), pad(G)));

function hexToBigint(hex: string, what: string): bigint {
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new WebCryptoError('MALFORMED_INPUT', `${what} must be hex`);
  return BigInt(`0x${hex}`);
}

function saltBytes(saltHex: string): Uint8Array {
  if (saltHex.length === 0) throw new WebCryptoError('MALFORMED_INPUT', 'SRP salt must be non-empty hex');
  return hexToBytes(saltHex, 'SRP salt');
}

function computeX(identity: string, saltHex: string, password: Uint8Array): bigint {
  // P must be raw bytes: hashing the hex string instead would compute a different, useless verifier.
  if (!(password instanceof Uint8Array)) throw new TypeError('SRP password must be the raw bytes of the auth secret');
  return bytesToBigint(H(saltBytes(saltHex), H(utf8(identity), COLON, password)));
}

/** v = g^x mod N as 512 hex: the `verifier` of signup and reset, the `newVerifier` of a change. */
export function computeVerifier(identity: string, saltHex: string, password: Uint8Array): string {
  return bytesToHex(pad(modPow(G, computeX(identity, saltHex, password))));
}

export interface ClientEphemeral {
  /** Secret a, 64 hex. Never sent. */
  aHex: string;
  /** A = g^a mod N, 512 hex: the `srpA` of login-a. */
  AHex: string;
}

/** a = 32 random bytes (or the given ones, for tests), A = g^a mod N. */
export function createClientEphemeral(aHex?: string): ClientEphemeral {
  const aBytes = aHex === undefined ? randomBytes(SECRET_BYTES) : hexToBytes(aHex, 'SRP secret a');
  if (aBytes.length !== SECRET_BYTES) throw new WebCryptoError('MALFORMED_INPUT', 'SRP secret a must be 32 bytes');
  const a = bytesToBigint(aBytes);
  // a = 0 would make A = 1; unreachable with 256 random bits, so refusing costs nothing.
  if (a === 0n) throw new WebCryptoError('MALFORMED_INPUT', 'SRP secret a must not be zero');
  return { aHex: bytesToHex(aBytes), AHex: bytesToHex(pad(modPow(G, a))) };
}

export interface ClientSessionInput {
  identity: string;
  saltHex: string;
  password: Uint8Array;
  aHex: string;
  AHex: string;
  BHex: string;
}

export interface ClientSession {
  M1Hex: string;
  /** hex(K): the session token (docs/protocol.md §3 "The session"). Secret. */
  KHex: string;
  /** The M2 an honest server answers; compare with verifyServerProof. */
  expectedM2Hex: string;
}

/**
 * M1, K and the expected M2 from the server's B. Refuses a B that a client must refuse: not exactly
 * 512 hex (srp-js asserts a 256-byte B), B ≡ 0 mod N (it would fix S without the password), B ≥ N,
 * and u = 0.
 */
export function computeClientSession(input: ClientSessionInput): ClientSession {
  if (!/^[0-9a-fA-F]{512}$/.test(input.BHex)) throw new WebCryptoError('BAD_SERVER_PUBLIC', 'invalid server public key B');
  const B = hexToBigint(input.BHex, 'B');
  if (B === 0n || B >= N) throw new WebCryptoError('BAD_SERVER_PUBLIC', 'invalid server public key B');
  const a = hexToBigint(input.aHex, 'a');
  const A = hexToBigint(input.AHex, 'A');
  if (a === 0n || A === 0n || A >= N) throw new TypeError('a and A must come from createClientEphemeral');

  const Apad = pad(A);
  const Bpad = pad(B);
  const u = bytesToBigint(H(Apad, Bpad));
  if (u === 0n) throw new WebCryptoError('BAD_SERVER_PUBLIC', 'invalid server public key B (u = 0)');
  const x = computeX(input.identity, input.saltHex, input.password);
  // B − k·v is usually negative; reduce it into [0, N) before exponentiating.
  const S = modPow(modN(B - k * modPow(G, x)), a + u * x);
  const Spad = pad(S, N_BYTES);
  const K = H(Spad);
  const M1 = H(Apad, Bpad, Spad);
  const M2 = H(concatBytes(Apad, M1, K));
  return { M1Hex: bytesToHex(M1), KHex: bytesToHex(K), expectedM2Hex: bytesToHex(M2) };
}

/** Constant-time check of the server's M2; anything malformed is simply not authentic. */
export function verifyServerProof(expectedM2Hex: string, M2Hex: unknown): boolean {
  if (typeof M2Hex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(M2Hex) || !/^[0-9a-fA-F]{64}$/.test(expectedM2Hex)) return false;
  return constantTimeEqual(hexToBytes(expectedM2Hex.toLowerCase()), hexToBytes(M2Hex.toLowerCase()));
}
