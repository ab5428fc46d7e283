import { z } from 'zod';

/** Lowercase hex of an exact length (SRP values, salts, wrapped keys are all lowercase hex on the wire). */
export const hexOf = (length: number) =>
  z.string().length(length, `must be ${length} hex characters`).regex(/^[0-9a-f]+$/, 'must be lowercase hex');

/** Hex up to a maximum length (for values such as SRP A that a client may send unpadded). */
export const hexUpTo = (max: number) =>
  z.string().min(1).max(max, `must be at most ${max} hex characters`).regex(/^[0-9a-f]+$/, 'must be lowercase hex');

export const salt = hexOf(64);
export const srpVerifier = hexOf(512);

/** Emails are normalised exactly as Insomnia clients do before hashing into keys: trim + lowercase. */
export const email = z
  .string()
  .max(254)
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.email({ message: 'must be an email address' }));

export const personName = z.string().trim().max(100).default('');

/** Server-assigned ids: prefix + 32 lowercase hex (docs/architecture.md §8). */
export const ID_PREFIX = { account: 'acct', session: 'sess', loginSession: 'lss', code: 'code' } as const;
export const serverId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-f]{32}$`), `must be a ${prefix}_ id`);
