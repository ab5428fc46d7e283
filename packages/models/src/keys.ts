import { z } from 'zod';

/** GET /v1/keys — the caller's own key material (all opaque to the server). */
export const keysResponse = z.object({
  publicKey: z.string(),
  encPrivateKey: z.string(),
  encSymmetricKey: z.string(),
  saltEnc: z.string(),
});
export type KeysResponse = z.infer<typeof keysResponse>;

/** GET /v1/keys/accounts/:accountId — a co-member's public key (RSA-OAEP-256 JWK as a JSON string). */
export const publicKeyResponse = z.object({ accountId: z.string(), publicKey: z.string() });
export type PublicKeyResponse = z.infer<typeof publicKeyResponse>;

/** GET /v1/user/profile (docs/protocol.md §6); current clients assert that `id` is truthy. */
export const profileResponse = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string(),
  picture: z.string(),
  bio: z.string(),
  github: z.string(),
  linkedin: z.string(),
  twitter: z.string(),
  identities: z.array(z.unknown()),
  given_name: z.string(),
  family_name: z.string(),
});
export type ProfileResponse = z.infer<typeof profileResponse>;
