/**
 * How many things go in one request (docs/protocol.md §5): snapshots are read and pushed 20 at a time,
 * blobs read 50 at a time, and uploaded in batches of at most 200 blobs and 2 MB of content — the
 * numbers Insomnia uses and the server's limits on blobsCreate.
 */
import { MAX_BLOB_CONTENT_PER_CALL, MAX_BLOBS_PER_CALL } from '@somnus/models';

export const SNAPSHOTS_PER_CALL = 20;
export const BLOBS_PER_READ = 50;
/** The server's cap on ids in one call (docs/protocol.md §5 "Limits"). */
export const IDS_PER_CALL = 1000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Upload batches in order: a batch closes before it would pass 200 blobs or 2 MB of content (the
 * server counts content characters; blob contents are ASCII). A single blob over 2 MB can never be
 * stored, so it is refused here, before anything is sent.
 */
export function blobBatches<B extends { id: string; content: string }>(blobs: readonly B[]): B[][] {
  const batches: B[][] = [];
  let current: B[] = [];
  let size = 0;
  for (const blob of blobs) {
    if (blob.content.length > MAX_BLOB_CONTENT_PER_CALL) throw new RangeError(`blob ${blob.id} is ${blob.content.length} bytes encrypted; the server takes at most ${MAX_BLOB_CONTENT_PER_CALL}`);
    if (current.length === MAX_BLOBS_PER_CALL || size + blob.content.length > MAX_BLOB_CONTENT_PER_CALL) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(blob);
    size += blob.content.length;
  }
  if (current.length) batches.push(current);
  return batches;
}
