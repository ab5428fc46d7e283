/**
 * @somnus/crypto: the client-side E2EE primitives of Insomnia's account crypto, wire-compatible
 * with Insomnia's clients (see docs/protocol.md §2, §5). Node built-ins only.
 * The server imports only the shape checks (isAESMessageJson, isRsaPublicJwkJson); it never
 * derives, wraps or unwraps anything.
 */
export { normalizeEmail, normalizePassphrase } from './normalize';
export { randomHex } from './encoding';
export { deriveKey, PBKDF2_ITERATIONS } from './derive-key';
export {
  generateAesJwk,
  generateRsaKeyPair,
  parseAesJwk,
  parseRsaPublicJwk,
  parseRsaPrivateJwk,
  isRsaPublicJwkJson,
  type AesJwk,
  type RsaPublicJwk,
  type RsaPrivateJwk,
} from './jwk';
export { encryptAES, decryptAES, encryptAESBuffer, decryptAESToBuffer, parseAESMessage, isAESMessageJson, type AESMessage } from './aes';
export { encryptRSAWithJWK, decryptRSAWithJWK, RSA_OAEP_MAX_PLAINTEXT_BYTES } from './rsa';
export {
  createAccountKeyMaterial,
  unwrapAccountKeys,
  rewrapAccountKey,
  type AccountKeyMaterial,
  type AccountKeys,
  type UnwrapAccountKeysInput,
} from './account-keys';
export {
  CryptoError,
  InvalidKeyError,
  MalformedInputError,
  DecryptionError,
  WrongPassphraseError,
  PlaintextTooLongError,
  KeyMismatchError,
} from './errors';
