/**
 * Blob ids and blob contents (docs/protocol.md §5 "blob"):
 *
 * - content = the AESMessage JSON (pretty-printed, 2-space indent, as Insomnia writes it) of AES-256-GCM
 *   under the project key over gzip(UTF-8 canonical JSON of the document), not URI-encoded;
 * - id = a keyed hash of that canonical JSON. Insomnia names a blob by the SHA-1 of the plaintext
 *   document, which lets whoever holds the database confirm a guess of a document's content (a request
 *   with a guessable token, say) without any key. The SDK uses HMAC-SHA256 under a key derived from the
 *   project key instead, cut to 40 hex characters (the length of Insomnia's ids, which the server treats
 *   as opaque): equal documents in a project still get equal ids, so unchanged documents are never
 *   uploaded twice, but only holders of the project key can compute them (docs/protocol.md §5, §11).
 */
import { createHmac, createHash, hkdfSync } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decryptAESToBuffer, encryptAESBuffer, MalformedInputError, parseAESMessage, parseAesJwk, type AesJwk } from '@somnus/crypto';

/** Fixed per purpose, so the id key can never equal a key used for anything else. */
const BLOB_ID_INFO = 'somnus sync blob id v1';
export const BLOB_ID_CHARS = 40;
/**
 * A decrypted blob bigger than this is refused: the server cannot forge a ciphertext, but any member
 * holding the key could push a gzip bomb, and the puller should not run out of memory over it.
 */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** The HMAC key for blob ids: HKDF-SHA256 of the raw project key (key separation from AES-GCM). */
export function blobIdKey(projectKey: AesJwk): Buffer {
  const raw = Buffer.from(parseAesJwk(projectKey).k, 'base64url');
  return Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), BLOB_ID_INFO, 32));
}

/** The SDK's blob id of a document's canonical JSON. */
export function keyedBlobId(idKey: Buffer, canonical: string): string {
  return createHmac('sha256', idKey).update(canonical, 'utf8').digest('hex').slice(0, BLOB_ID_CHARS);
}

/** Insomnia's blob id of the same text (SHA-1): accepted on pull for blobs that Insomnia apps pushed. */
export function insomniaBlobId(canonical: string): string {
  return createHash('sha1').update(canonical, 'utf8').digest('hex');
}

export function sealBlob(projectKey: AesJwk, canonical: string): string {
  return JSON.stringify(encryptAESBuffer(projectKey, gzipSync(Buffer.from(canonical, 'utf8'))), null, 2);
}

/** The document text inside a blob; DecryptionError when it was not made under this project key. */
export function openBlob(projectKey: AesJwk, content: string): string {
  let message: unknown;
  try {
    message = JSON.parse(content) as unknown;
  } catch (cause) {
    throw new MalformedInputError('a blob is not an AESMessage in JSON', { cause });
  }
  const zipped = decryptAESToBuffer(projectKey, parseAESMessage(message));
  try {
    return gunzipSync(zipped, { maxOutputLength: MAX_DOCUMENT_BYTES }).toString('utf8');
  } catch (cause) {
    throw new MalformedInputError('a blob did not decompress (not gzip, or larger than 64 MiB)', { cause });
  }
}
