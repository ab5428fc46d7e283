/**
 * libsodium's crypto_box_seal for the browser hand-off (docs/protocol.md §4.2), on tweetnacl + blakejs:
 *
 *   box   = ephemeralPk (32) | crypto_box(message, nonce, recipientPk, ephemeralSk)
 *   nonce = BLAKE2b-192(ephemeralPk | recipientPk)
 *
 * The Insomnia app opens it with libsodium-compatible code, so this layout is the wire format.
 */
import { blake2b } from 'blakejs';
import nacl from 'tweetnacl';
import { concatBytes, type Bytes } from './encoding';
import { WebCryptoError } from './errors';

export const SEAL_PUBLIC_KEY_BYTES = 32;
/** ephemeral public key + Poly1305 tag. */
export const SEAL_OVERHEAD_BYTES = SEAL_PUBLIC_KEY_BYTES + nacl.box.overheadLength;

function sealNonce(ephemeralPk: Uint8Array, recipientPk: Uint8Array): Uint8Array {
  return blake2b(concatBytes(ephemeralPk, recipientPk), undefined, nacl.box.nonceLength);
}

function requireKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== SEAL_PUBLIC_KEY_BYTES) {
    throw new WebCryptoError('INVALID_KEY', `${what} must be ${SEAL_PUBLIC_KEY_BYTES} bytes`);
  }
}

/**
 * A public key of small order (all zeros, and the few other points libsodium refuses): X25519 with it gives
 * an all-zero shared secret whatever the other secret key, so anyone could open a box sealed to it.
 * X25519 clamps every scalar to a multiple of the cofactor 8, so such a point times any scalar is zero.
 */
export function isWeakPublicKey(publicKey: Uint8Array): boolean {
  const probe = nacl.randomBytes(SEAL_PUBLIC_KEY_BYTES);
  const shared = nacl.scalarMult(probe, publicKey);
  probe.fill(0);
  return shared.every((b) => b === 0);
}

export function sealBox(message: Uint8Array, recipientPublicKey: Uint8Array): Bytes {
  requireKey(recipientPublicKey, 'The recipient public key');
  // libsodium's crypto_box_seal refuses such a key too
  if (isWeakPublicKey(recipientPublicKey)) throw new WebCryptoError('INVALID_KEY', 'The recipient public key is a weak (small-order) key');
  const ephemeral = nacl.box.keyPair();
  try {
    const boxed = nacl.box(message, sealNonce(ephemeral.publicKey, recipientPublicKey), recipientPublicKey, ephemeral.secretKey);
    return concatBytes(ephemeral.publicKey, boxed);
  } finally {
    // The ephemeral secret could open the box; it is not needed past this point.
    ephemeral.secretKey.fill(0);
  }
}

/** crypto_box_seal_open: the app's side, here for tests. Throws when the box does not open. */
export function openSealedBox(box: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Bytes {
  requireKey(publicKey, 'The public key');
  requireKey(secretKey, 'The secret key');
  if (box.length < SEAL_OVERHEAD_BYTES) throw new WebCryptoError('MALFORMED_INPUT', 'The sealed box is too short');
  const ephemeralPk = box.subarray(0, SEAL_PUBLIC_KEY_BYTES);
  const opened = nacl.box.open(box.subarray(SEAL_PUBLIC_KEY_BYTES), sealNonce(ephemeralPk, publicKey), ephemeralPk, secretKey);
  if (!opened) throw new WebCryptoError('DECRYPTION_FAILED', 'The sealed box does not open with this key pair (wrong key, or altered)');
  return concatBytes(opened);
}
