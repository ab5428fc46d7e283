/** Small pure formatters for human-readable CLI output. */
import { createHash } from 'node:crypto';
import type { RsaPublicJwk } from '@somnus/crypto';

/** "2h 3m", "45s": session age for whoami. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : m ? [`${m}m`, `${sec}s`] : [`${sec}s`];
  return parts.join(' ');
}

/**
 * A short, stable identifier of the account's key pair that users can compare across machines:
 * SHA-256 over the raw modulus bytes (base64url-decoded `n`), first 16 hex characters.
 */
export function publicKeyFingerprint(jwk: Pick<RsaPublicJwk, 'n'>): string {
  return createHash('sha256').update(Buffer.from(jwk.n, 'base64url')).digest('hex').slice(0, 16);
}

/** Modulus size in bits, from the base64url `n` (leading zero bytes ignored). */
export function modulusBits(jwk: Pick<RsaPublicJwk, 'n'>): number {
  const bytes = Buffer.from(jwk.n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  return first === undefined ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

export function displayName(firstName: string, lastName: string): string {
  return [firstName, lastName].filter(Boolean).join(' ') || '(not set)';
}
