import { aesMessage, MAX_BLOB_CONTENT_PER_CALL, MAX_BLOB_READ_PER_CALL, MAX_BLOBS_PER_CALL, MAX_MISSING_IDS_PER_CALL } from '@somnus/models';
import { findBlobsWithin, insertBlobs, missingBlobIds } from '@somnus/db';
import { fail, ok, type Result, type SessionActor } from '@somnus/runtime';
import type { SyncDeps } from '../deps';
import { MAX_IDS_PER_CALL } from '../limits';
import { inProject } from '../project-access';

/** Insomnia's blob ids are SHA-1 hex, ours keyed hashes; both are opaque here, within these bounds. */
const BLOB_ID = /^[A-Za-z0-9_.-]{1,128}$/;

function checkIds(ids: string[], max = MAX_IDS_PER_CALL): Result<null> {
  if (ids.length > max) return fail('VALIDATION_ERROR', `at most ${max} blob ids per call`);
  if (ids.some((id) => !BLOB_ID.test(id))) return fail('VALIDATION_ERROR', 'blob ids are 1 to 128 letters, digits, _ . -');
  return ok(null);
}

/** Blob content is an AESMessage as JSON (docs/protocol.md §2): anything else is not a ciphertext we can hold. */
function isAesMessage(content: string): boolean {
  try {
    // exactly the four fields, whole bytes of ciphertext: nothing else (a name, a note) rides along in clear
    return blobMessage.safeParse(JSON.parse(content)).success;
  } catch {
    return false;
  }
}

const blobMessage = aesMessage.strict().refine((m) => m.d.length % 2 === 0 && m.ad.length % 2 === 0, 'hex of whole bytes');

export async function blobs(deps: SyncDeps, actor: SessionActor, input: { project: string; ids: string[] }): Promise<Result<{ id: string; content: string }[]>> {
  const valid = checkIds(input.ids);
  if (!valid.ok) return valid;
  return inProject(deps, actor, input.project, async ({ tx }) => {
    const found = await findBlobsWithin(tx, input.project, input.ids, MAX_BLOB_READ_PER_CALL);
    if (found.tooLarge) return fail('PAYLOAD_TOO_LARGE', `these blobs hold more than ${MAX_BLOB_READ_PER_CALL} bytes: ask for fewer ids per request`);
    return ok(found.blobs);
  }, { read: true });
}

export async function blobsMissing(deps: SyncDeps, actor: SessionActor, input: { project: string; ids: string[] }): Promise<Result<{ missing: string[] }>> {
  const valid = checkIds(input.ids, MAX_MISSING_IDS_PER_CALL);
  if (!valid.ok) return valid;
  return inProject(deps, actor, input.project, async ({ tx }) => ok({ missing: await missingBlobIds(tx, input.project, input.ids) }), { read: true });
}

/** `blobsCreate`: idempotent per (project, blob id); at most 200 blobs or 2 MB of content per call. */
export async function createBlobs(deps: SyncDeps, actor: SessionActor, input: { project: string; blobs: { id: string; content: string }[] }): Promise<Result<{ count: number }>> {
  if (input.blobs.length > MAX_BLOBS_PER_CALL) return fail('PAYLOAD_TOO_LARGE', `at most ${MAX_BLOBS_PER_CALL} blobs per call`);
  const size = input.blobs.reduce((n, b) => n + b.content.length, 0);
  if (size > MAX_BLOB_CONTENT_PER_CALL) return fail('PAYLOAD_TOO_LARGE', `at most ${MAX_BLOB_CONTENT_PER_CALL} bytes of blob content per call`);
  const valid = checkIds(input.blobs.map((b) => b.id));
  if (!valid.ok) return valid;
  const bad = input.blobs.find((b) => !isAesMessage(b.content));
  if (bad) return fail('VALIDATION_ERROR', `blob ${bad.id}: content must be an AESMessage {iv, t, d, ad} as JSON`);
  return inProject(deps, actor, input.project, async ({ tx, orgId }) => ok({ count: await insertBlobs(tx, orgId, input.project, input.blobs) }), { write: true });
}
