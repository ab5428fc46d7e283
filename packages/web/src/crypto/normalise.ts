/**
 * Input normalisation before any key is derived (docs/protocol.md §2). It must be exactly what every
 * Insomnia client and @somnus/crypto do: another normal form would derive another key and lock the
 * user out of an account made by another client.
 */

/** trim + lower-case: the email is the HKDF input key material and the SRP identity. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** trim + NFKD: the same passphrase typed on another keyboard or OS must give the same key. */
export function normalisePassphrase(raw: string): string {
  return raw.trim().normalize('NFKD');
}
