/**
 * What differs between the two SRP-6a dialects. Group, exponentiation and the S formulas are
 * shared (server.ts / client.ts); a profile only decides how values are turned into hash inputs.
 */

export type SrpProfile = 'insomnia' | 'rfc2945';

/** Values both sides hash once S is known. A and B are already the profile's hash encoding. */
export interface ProofContext {
  identity: string;
  salt: Buffer;
  A: Buffer;
  B: Buffer;
  S: bigint;
  K: Buffer;
}

export interface ProfileImpl {
  readonly name: SrpProfile;
  /** SRP-6a multiplier k. */
  readonly k: bigint;
  /** Does the client insist on B being exactly 512 hex chars (srp-js asserts a 256-byte B)? */
  readonly requiresFullLengthServerPublic: boolean;
  /** Private key x from salt, identity and password; throws TypeError for the wrong password type. */
  computeX(identity: string, salt: Buffer, password: Buffer | string): bigint;
  /** How a public value (A or B), as hex on the wire, enters the hashes for u, M1 and M2. */
  publicValueBytes(hex: string): Buffer;
  computeU(A: Buffer, B: Buffer): bigint;
  computeK(S: bigint): Buffer;
  computeM1(ctx: ProofContext): Buffer;
  computeM2(A: Buffer, M1: Buffer, K: Buffer): Buffer;
}
