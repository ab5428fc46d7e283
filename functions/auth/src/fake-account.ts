import { N_HEX } from '@somnus/srp';
import { hmacSha256 } from '@somnus/runtime';

/**
 * Deterministic stand-ins for an email with no account, so that login-s and login-a answer exactly like
 * they do for a real one (same shapes, same values on every call) and the failure only shows at M1.
 * Derived by HMAC with the server secret: without it nobody can tell them from real salts.
 */
export function fakeSalts(secret: Buffer, email: string): { saltKey: string; saltAuth: string } {
  return {
    saltKey: hmacSha256(secret, 'fake-salt-key', email).toString('hex'),
    saltAuth: hmacSha256(secret, 'fake-salt-auth', email).toString('hex'),
  };
}

const N = BigInt(`0x${N_HEX}`);

/** A verifier is just a group element; an HMAC-stretched value mod N costs no modexp, so timing matches. */
export function fakeVerifier(secret: Buffer, email: string): string {
  const blocks = Array.from({ length: 9 }, (_, i) => hmacSha256(secret, `fake-verifier-${i}`, email));
  const value = BigInt(`0x${Buffer.concat(blocks).toString('hex')}`) % N;
  return (value === 0n ? 2n : value).toString(16).padStart(512, '0');
}
