/**
 * Input normalisation exactly as Insomnia's clients and web app do it before deriving keys.
 * Both values feed the KDF, so any difference here (e.g. NFC instead of NFKD) would produce a
 * different key and lock the user out of an account created by another client.
 */

/** `trim().toLowerCase()`: the email is the HKDF input keying material, so case must not matter. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** `trim().normalize('NFKD')`: the same passphrase typed on different keyboards/OSes must match. */
export function normalizePassphrase(raw: string): string {
  return raw.trim().normalize('NFKD');
}
