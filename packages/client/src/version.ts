/**
 * The client's version as sent in X-Insomnia-Client. Kept as a constant (not read from
 * package.json at runtime) so the SDK works when bundled; a test checks it matches package.json.
 */
export const CLIENT_VERSION = '0.1.0';

/** `somnus-cli::<platform>::<version>`, the shape of Insomnia's `<env>::<platform>::<version>`; the server shows it in the session list. */
export function defaultClientName(platform: string = process.platform): string {
  return `somnus-cli::${platform}::${CLIENT_VERSION}`;
}
