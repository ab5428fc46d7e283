import { z } from 'zod';
import { hexOf } from './primitives';

/** Upper bound for a wrapped key blob; a wrapped RSA-2048 private JWK is ~3.5 KB as an AESMessage. */
const MAX_WRAPPED_KEY_CHARS = 16_384;

const hex = z.string().regex(/^[0-9a-f]*$/);

/** `{iv, t, d, ad}` of docs/protocol.md §2: AES-256-GCM, 12-byte IV, 16-byte tag, all lowercase hex. */
export const aesMessage = z.object({ iv: hexOf(24), t: hexOf(32), d: hex.min(2), ad: hex });
export type AESMessage = z.infer<typeof aesMessage>;

const b64url = z.string().regex(/^[A-Za-z0-9_-]+$/);

/** The public RSA-OAEP-256 JWK a client stores in clear; the checks mirror what Insomnia's client requires. */
export const rsaPublicJwk = z.object({
  alg: z.literal('RSA-OAEP-256'),
  kty: z.literal('RSA'),
  e: b64url,
  n: b64url.min(340).max(345), // 2048-bit modulus = 256 bytes = 342 base64url chars
  key_ops: z.array(z.string()).refine((ops) => ops.includes('encrypt'), 'key_ops must contain encrypt'),
  ext: z.boolean().optional(),
});

/** A string field that must hold JSON of a given shape (Insomnia sends key material as JSON strings). */
export const jsonStringOf = <T extends z.ZodType>(schema: T, what: string) =>
  z
    .string()
    .max(MAX_WRAPPED_KEY_CHARS)
    .refine((s) => {
      try {
        return schema.safeParse(JSON.parse(s)).success;
      } catch {
        return false;
      }
    }, `must be a JSON string of ${what}`);

export const publicKeyString = jsonStringOf(rsaPublicJwk, 'an RSA-OAEP-256 public JWK');
export const aesMessageString = jsonStringOf(aesMessage, 'an AESMessage {iv, t, d, ad}');
