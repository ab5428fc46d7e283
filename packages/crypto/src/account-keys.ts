/**
 * The account key chain (docs/protocol.md §2; names as in docs/architecture.md §1.3), bundled for the SDK's signup, login and passphrase change:
 *
 *   SEC_PWD_Enc = deriveKey(pass, email, saltEnc) --wraps--> SYM_Account (AES JWK) --wraps--> PRV_Account (RSA JWK)
 *   SEC_PWD_Auth = deriveKey(pass, email, saltKey) -> SRP password
 *
 * Everything returned as a string here is exactly what the server stores; the objects never leave
 * the client.
 */
import { decryptAES, encryptAES, parseAESMessage, type AESMessage } from './aes';
import { deriveKey } from './derive-key';
import { randomHex } from './encoding';
import { CryptoError, DecryptionError, KeyMismatchError, MalformedInputError, WrongPassphraseError } from './errors';
import { generateAesJwk, generateRsaKeyPair, parseAesJwk, parseRsaPrivateJwk, parseRsaPublicJwk, type AesJwk, type RsaPrivateJwk, type RsaPublicJwk } from './jwk';
import { normalizeEmail, normalizePassphrase } from './normalize';

const SALT_BYTES = 32;

export interface AccountKeyMaterial {
  saltKey: string;
  saltAuth: string;
  saltEnc: string;
  /** SEC_PWD_Auth: hex-decode it for the SRP password P. Secret, never sent. */
  authSecretHex: string;
  /** JSON string of the public JWK (stored in clear). */
  publicKey: string;
  /** JSON string of an AESMessage: the private JWK under the account key. */
  encPrivateKey: string;
  /** JSON string of an AESMessage: the account key under SEC_PWD_Enc. */
  encSymmetricKey: string;
  symmetricKey: AesJwk;
  privateJwk: RsaPrivateJwk;
  publicJwk: RsaPublicJwk;
}

export interface UnwrapAccountKeysInput {
  passphrase: string;
  email: string;
  saltEnc: string;
  encSymmetricKey: string;
  encPrivateKey: string;
  publicKey: string;
}

export interface AccountKeys {
  symmetricKey: AesJwk;
  privateJwk: RsaPrivateJwk;
  publicJwk: RsaPublicJwk;
}

function normalizedCredentials(passphrase: string, email: string): { pass: string; mail: string } {
  const pass = normalizePassphrase(passphrase);
  const mail = normalizeEmail(email);
  // An empty passphrase would still "work" and silently protect the account with nothing.
  if (pass.length === 0) throw new CryptoError('Passphrase must not be empty');
  if (mail.length === 0) throw new CryptoError('Email must not be empty');
  return { pass, mail };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new MalformedInputError(`${what} is not valid JSON`, { cause });
  }
}

function parseMessage(text: string, what: string): AESMessage {
  return parseAESMessage(parseJson(text, what));
}

function wrapSymmetricKey(derivedEncKeyHex: string, symmetricKey: AesJwk): string {
  return JSON.stringify(encryptAES(derivedEncKeyHex, JSON.stringify(symmetricKey)));
}

/** Everything a signup needs: fresh salts, keys, and their wrapped/stored forms. */
export async function createAccountKeyMaterial(passphrase: string, email: string): Promise<AccountKeyMaterial> {
  const { pass, mail } = normalizedCredentials(passphrase, email);
  const saltKey = randomHex(SALT_BYTES);
  const saltAuth = randomHex(SALT_BYTES);
  const saltEnc = randomHex(SALT_BYTES);
  // The two PBKDF2 runs and RSA keygen all run off the event loop, so do them concurrently.
  const [authSecretHex, encKeyHex, { publicJwk, privateJwk }] = await Promise.all([
    deriveKey(pass, mail, saltKey),
    deriveKey(pass, mail, saltEnc),
    generateRsaKeyPair(),
  ]);
  const symmetricKey = generateAesJwk();
  return {
    saltKey,
    saltAuth,
    saltEnc,
    authSecretHex,
    publicKey: JSON.stringify(publicJwk),
    encPrivateKey: JSON.stringify(encryptAES(symmetricKey, JSON.stringify(privateJwk))),
    encSymmetricKey: wrapSymmetricKey(encKeyHex, symmetricKey),
    symmetricKey,
    privateJwk,
    publicJwk,
  };
}

/**
 * Login: opens the stored chain. Throws WrongPassphraseError only when the passphrase-derived key
 * fails to open encSymmetricKey; a failure further down means corrupted or swapped server data,
 * which the user cannot fix by retyping, so it gets a different error.
 */
export async function unwrapAccountKeys(input: UnwrapAccountKeysInput): Promise<AccountKeys> {
  const { pass, mail } = normalizedCredentials(input.passphrase, input.email);
  const encSymmetricKey = parseMessage(input.encSymmetricKey, 'encSymmetricKey');
  const encPrivateKey = parseMessage(input.encPrivateKey, 'encPrivateKey');
  const publicJwk = parseRsaPublicJwk(parseJson(input.publicKey, 'publicKey'));

  const encKeyHex = await deriveKey(pass, mail, input.saltEnc);
  let symmetricKeyJson: string;
  try {
    symmetricKeyJson = decryptAES(encKeyHex, encSymmetricKey);
  } catch (err) {
    if (err instanceof DecryptionError) throw new WrongPassphraseError({ cause: err });
    throw err;
  }
  const symmetricKey = parseAesJwk(parseJson(symmetricKeyJson, 'decrypted account key'));

  let privateKeyJson: string;
  try {
    privateKeyJson = decryptAES(symmetricKey, encPrivateKey);
  } catch (err) {
    if (err instanceof DecryptionError) {
      throw new DecryptionError('encPrivateKey does not decrypt under the account key (corrupted or mismatched)', { cause: err });
    }
    throw err;
  }
  const privateJwk = parseRsaPrivateJwk(parseJson(privateKeyJson, 'decrypted private key'));

  // publicKey is stored in clear, so a server could swap it; project keys wrapped to a foreign key
  // would be readable by someone else. Cheap to detect here.
  if (privateJwk.n !== publicJwk.n || privateJwk.e !== publicJwk.e) {
    throw new KeyMismatchError('Stored publicKey does not match the decrypted private key');
  }
  return { symmetricKey, privateJwk, publicJwk };
}

/**
 * Passphrase (or email) change: the existing account key is re-wrapped under the new
 * passphrase with the same saltEnc; salts, key pair, encPrivateKey and project keys stay as they are.
 */
export async function rewrapAccountKey(symmetricKey: AesJwk, newPassphrase: string, email: string, saltEnc: string): Promise<string> {
  // Re-canonicalise so the wrapped JSON is the exact five-member form other clients expect.
  const key = parseAesJwk(symmetricKey);
  const { pass, mail } = normalizedCredentials(newPassphrase, email);
  return wrapSymmetricKey(await deriveKey(pass, mail, saltEnc), key);
}
