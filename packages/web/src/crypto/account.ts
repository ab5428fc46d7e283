/**
 * The account key material the pages send (docs/protocol.md §2, §4.1, §4.3), made in the browser the
 * way the SDK (packages/client) makes it with @somnus/crypto and @somnus/srp:
 *
 *   deriveKey(pass, email, saltEnc) ──wraps──▶ account key (AES JWK) ──wraps──▶ private key (RSA JWK)
 *   deriveKey(pass, email, saltKey) ──▶ SRP password P (32 raw bytes) ──▶ verifier (profile insomnia)
 *
 * Unwrapped keys are returned apart from the request bodies, never inside them, so spreading a body
 * into a request can never send a key to the server.
 */
import type { ChangePasswordBody, ResetBody, SignupBody } from '@somnus/models';
import { decryptAES, encryptAES } from './aes';
import { deriveKey } from './derive-key';
import { bytesToHex, hexToBytes } from './encoding';
import { AuthFlowError, WebCryptoError } from './errors';
import { generateAesJwk, generateRsaKeyPair, parseAesJwk, parseRsaPrivateJwk, parseRsaPublicJwk, type AesJwk, type RsaPrivateJwk, type RsaPublicJwk } from './jwk';
import { normaliseEmail, normalisePassphrase } from './normalise';
import { randomBytes } from './random';
import { computeVerifier } from './srp-client';

const SALT_BYTES = 32;

/** The SRP profile of every account this library makes: Insomnia's (docs/protocol.md §3). */
export const SRP_PROFILE = 'insomnia';

/** The key-material fields of POST /auth/signup and POST /auth/reset, as the SDK sends them. */
export type AccountCredentials = Pick<SignupBody, 'saltKey' | 'saltAuth' | 'saltEnc' | 'verifier' | 'publicKey' | 'encPrivateKey' | 'encSymmetricKey'> & {
  srpProfile: typeof SRP_PROFILE;
};

export interface NewAccountMaterial {
  /** Spread into the signup body next to email, firstName, lastName. Holds nothing secret. */
  credentials: AccountCredentials;
  /** The unwrapped account key (for tests, or to wrap project keys right away). Never send it. */
  symmetricKey: AesJwk;
}

/** Body of POST /auth/reset without the emailed `code`, which the page adds. */
export type ResetMaterial = Omit<ResetBody, 'code'> & AccountCredentials;

function credentialsOf(raw: { passphrase: string; email: string }): { pass: string; email: string } {
  const pass = normalisePassphrase(raw.passphrase);
  const email = normaliseEmail(raw.email);
  // An empty passphrase would "work" and protect the account with nothing.
  if (!pass) throw new WebCryptoError('EMPTY_PASSPHRASE', 'The passphrase must not be empty');
  if (!email) throw new WebCryptoError('EMPTY_EMAIL', 'The email must not be empty');
  return { pass, email };
}

/** The SRP password: the raw bytes of deriveKey(…, saltKey), as srp-js hashes them. */
async function srpVerifier(pass: string, email: string, saltKey: string, saltAuth: string): Promise<string> {
  return computeVerifier(email, saltAuth, hexToBytes(await deriveKey(pass, email, saltKey)));
}

/** Wraps the account key as the stored encSymmetricKey string. */
async function wrapAccountKey(encKeyHex: string, symmetricKey: AesJwk): Promise<string> {
  // parseAesJwk re-canonicalises: the wrapped JSON must be the exact five-member form.
  return JSON.stringify(await encryptAES(encKeyHex, JSON.stringify(parseAesJwk(symmetricKey))));
}

/**
 * Everything POST /auth/signup needs besides email, names and id: three fresh salts, the verifier, a
 * new RSA key pair and a new account key, both wrapped (docs/protocol.md §2, §4.1). Normalises both
 * inputs; send `normaliseEmail(email)` as the body's email, the identity the verifier was made for.
 */
export async function newAccountMaterial(passphrase: string, email: string): Promise<NewAccountMaterial> {
  const c = credentialsOf({ passphrase, email });
  const saltKey = bytesToHex(randomBytes(SALT_BYTES));
  const saltAuth = bytesToHex(randomBytes(SALT_BYTES));
  const saltEnc = bytesToHex(randomBytes(SALT_BYTES));
  // The two PBKDF2 runs and the RSA keygen are WebCrypto work off the main thread: run them together.
  const [verifier, encKeyHex, { publicJwk, privateJwk }] = await Promise.all([
    srpVerifier(c.pass, c.email, saltKey, saltAuth),
    deriveKey(c.pass, c.email, saltEnc),
    generateRsaKeyPair(),
  ]);
  const symmetricKey = generateAesJwk();
  const credentials: AccountCredentials = {
    saltKey,
    saltAuth,
    saltEnc,
    verifier,
    publicKey: JSON.stringify(publicJwk),
    encPrivateKey: JSON.stringify(await encryptAES(symmetricKey, JSON.stringify(privateJwk))),
    encSymmetricKey: await wrapAccountKey(encKeyHex, symmetricKey),
    srpProfile: SRP_PROFILE,
  };
  return { credentials, symmetricKey };
}

/**
 * The body of POST /auth/reset minus `code` (docs/protocol.md §4.3): without the old passphrase nothing
 * can be re-wrapped, so it is entirely new material, exactly as at signup (the SDK's resetAccount).
 */
export async function resetMaterial(passphrase: string, email: string): Promise<ResetMaterial> {
  const normalised = normaliseEmail(email);
  const { credentials } = await newAccountMaterial(passphrase, normalised);
  return { email: normalised, ...credentials };
}

/**
 * Opens encSymmetricKey with the key derived from the passphrase (the `key` of srpLogin, 64 hex).
 * A GCM failure here means the passphrase (or email) is wrong: WRONG_PASSPHRASE.
 */
export async function unwrapSymmetricKey(keyHex: string, encSymmetricKey: string): Promise<AesJwk> {
  let json: string;
  try {
    json = await decryptAES(keyHex, encSymmetricKey);
  } catch (cause) {
    if (cause instanceof WebCryptoError && cause.code === 'DECRYPTION_FAILED') {
      throw new AuthFlowError('WRONG_PASSPHRASE', 'The passphrase is wrong: it does not open your account key.', undefined, { cause });
    }
    throw cause;
  }
  return parseAesJwk(JSON.parse(json) as unknown);
}

export interface WrappedAccountKeys {
  publicKey: string;
  encPrivateKey: string;
  encSymmetricKey: string;
}

export interface AccountKeys {
  symmetricKey: AesJwk;
  privateJwk: RsaPrivateJwk;
  publicJwk: RsaPublicJwk;
}

/** The whole key chain from whoami (or GET /v1/keys) and the derived key (docs/protocol.md §2). */
export async function unwrapAccountKeys(keyHex: string, wrapped: WrappedAccountKeys): Promise<AccountKeys> {
  const symmetricKey = await unwrapSymmetricKey(keyHex, wrapped.encSymmetricKey);
  const privateJwk = parseRsaPrivateJwk(JSON.parse(await decryptAES(symmetricKey, wrapped.encPrivateKey)) as unknown);
  const publicJwk = parseRsaPublicJwk(JSON.parse(wrapped.publicKey) as unknown);
  // publicKey is stored in clear: a swapped one would have project keys wrapped for someone else.
  if (publicJwk.n !== privateJwk.n || publicJwk.e !== privateJwk.e) {
    throw new WebCryptoError('KEY_MISMATCH', 'The stored public key does not match the decrypted private key');
  }
  return { symmetricKey, privateJwk, publicJwk };
}

export interface ChangePassphraseInput {
  /** From GET /auth/whoami: the current email, saltEnc and wrapped account key. */
  whoami: { email: string; saltEnc: string; encSymmetricKey: string };
  /** From POST /auth/login-s: the SRP salts, kept as they are. */
  salts: { saltKey: string; saltAuth: string };
  /** The code emailed by POST /auth/send-password-code. */
  code: string;
  newPassphrase: string;
  /** The current passphrase, or… */
  currentPassphrase?: string;
  /** …the `key` srpLogin returned (deriveKey of the current passphrase with saltEnc, 64 hex). */
  currentKey?: string;
}

/**
 * The body of POST /auth/change-password, code variant, as the SDK's changePassphrase builds it
 * (docs/protocol.md §4.3): same salts, a new verifier, the *same* account key re-wrapped under the new
 * passphrase, and the exact encSymmetricKey string it unwrapped (the server refuses a stale one).
 * The current passphrase is checked locally first, so a typo never spends the code.
 */
export async function changePassphraseMaterial(input: ChangePassphraseInput): Promise<ChangePasswordBody> {
  const { pass: newPass, email } = credentialsOf({ passphrase: input.newPassphrase, email: input.whoami.email });
  const code = input.code.trim();
  if (!code) throw new WebCryptoError('EMPTY_CODE', 'The emailed code must not be empty');
  if ((input.currentPassphrase === undefined) === (input.currentKey === undefined)) {
    throw new TypeError('pass exactly one of currentPassphrase and currentKey');
  }
  const currentKey =
    input.currentKey ?? (await deriveKey(credentialsOf({ passphrase: input.currentPassphrase ?? '', email }).pass, email, input.whoami.saltEnc));
  const symmetricKey = await unwrapSymmetricKey(currentKey, input.whoami.encSymmetricKey);

  const [newVerifier, newEncKeyHex] = await Promise.all([
    srpVerifier(newPass, email, input.salts.saltKey, input.salts.saltAuth),
    deriveKey(newPass, email, input.whoami.saltEnc),
  ]);
  return {
    code,
    // the current email: changing the address is refused by the server (docs/protocol.md §4.3)
    newEmail: email,
    encSymmetricKey: input.whoami.encSymmetricKey,
    newVerifier,
    newEncSymmetricKey: await wrapAccountKey(newEncKeyHex, symmetricKey),
  };
}
