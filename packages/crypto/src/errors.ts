/**
 * Typed errors so callers (SDK, CLI, server shape checks) can tell "the user typed the wrong
 * passphrase" from "the data is malformed" from "someone tampered with a ciphertext" without
 * matching on OpenSSL's message strings, which differ between Node versions.
 */
export class CryptoError extends Error {
  readonly code: string = 'CRYPTO_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A key (hex string or JWK) is not the shape or length the protocol requires. */
export class InvalidKeyError extends CryptoError {
  override readonly code = 'INVALID_KEY';
}

/** An AESMessage, RSA ciphertext or other encoded input is malformed (bad hex, missing field, ...). */
export class MalformedInputError extends CryptoError {
  override readonly code = 'MALFORMED_INPUT';
}

/** Authenticated decryption failed: wrong key, or the ciphertext, tag, IV or AAD were altered. */
export class DecryptionError extends CryptoError {
  override readonly code = 'DECRYPTION_FAILED';
}

/**
 * The key derived from the passphrase does not open `encSymmetricKey`. GCM cannot distinguish a
 * wrong passphrase from a wrong email or saltEnc, but in practice the passphrase is what is wrong.
 */
export class WrongPassphraseError extends CryptoError {
  override readonly code = 'WRONG_PASSPHRASE';
  constructor(options?: { cause?: unknown }) {
    super('Wrong passphrase: the account key could not be decrypted', options);
  }
}

/** RSA-OAEP can only carry a few bytes; see RSA_OAEP_MAX_PLAINTEXT_BYTES. */
export class PlaintextTooLongError extends CryptoError {
  override readonly code = 'PLAINTEXT_TOO_LONG';
}

/** The stored public key does not belong to the decrypted private key (swapped or corrupted). */
export class KeyMismatchError extends CryptoError {
  override readonly code = 'KEY_MISMATCH';
}
