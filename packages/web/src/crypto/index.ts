/**
 * The account web app's crypto, all of it in the browser (docs/protocol.md §2–§4): the server never
 * sees a passphrase or an unwrapped key. WebCrypto, BigInt, TextEncoder, tweetnacl, blakejs and
 * @noble/hashes only: no DOM, no Node built-ins, no Buffer.
 */
export { normaliseEmail, normalisePassphrase } from './normalise';
export { deriveKey, PBKDF2_ITERATIONS } from './derive-key';
export { encryptAES, decryptAES, encryptAESBytes, decryptAESBytes, parseAESMessage, type AESMessage, type AesKey } from './aes';
export {
  generateAesJwk,
  generateRsaKeyPair,
  parseAesJwk,
  parseRsaPublicJwk,
  parseRsaPrivateJwk,
  type AesJwk,
  type RsaPublicJwk,
  type RsaPrivateJwk,
} from './jwk';
export { encryptRSAWithJWK, decryptRSAWithJWK, RSA_OAEP_MAX_PLAINTEXT_BYTES } from './rsa';
export {
  newAccountMaterial,
  resetMaterial,
  changePassphraseMaterial,
  unwrapSymmetricKey,
  unwrapAccountKeys,
  SRP_PROFILE,
  type AccountCredentials,
  type NewAccountMaterial,
  type ResetMaterial,
  type ChangePassphraseInput,
  type WrappedAccountKeys,
  type AccountKeys,
} from './account';
export {
  computeVerifier,
  createClientEphemeral,
  computeClientSession,
  verifyServerProof,
  type ClientEphemeral,
  type ClientSession,
  type ClientSessionInput,
} from './srp-client';
export { srpLogin, type ApiCall, type SrpLoginResult } from './login';
export { sealBox, openSealedBox } from './sealed-box';
export { decodeLoginKey, loginBoxCode, appDeepLink, APP_DEEP_LINK_PREFIX } from './handoff';
export { passphraseStrength, type PassphraseStrength } from './strength';
export { WebCryptoError, AuthFlowError } from './errors';
export { bytesToBase64, base64ToBytes, bytesToHex, hexToBytes } from './encoding';
