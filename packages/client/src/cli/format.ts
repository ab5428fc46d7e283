/** Small pure formatters for human-readable CLI output. */
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
