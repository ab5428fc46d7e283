/**
 * Documents as sync sees them (docs/protocol.md §5): JSON objects with a string `_id` (the state
 * entry's `key`) and, for pushing, a string `name` (the entry's `name`). Their canonical text is
 * deterministic JSON — keys sorted at every level, no whitespace — the same bytes Insomnia's
 * deterministicStringify makes for JSON values, so ids computed over it agree across clients.
 */
import { InvalidDocumentError } from '../errors';

export interface SyncDocument {
  _id: string;
  name?: unknown;
  [field: string]: unknown;
}

/** The server's bounds on a state entry (docs/protocol.md §5): a key of ≤ 200 characters, a name of ≤ 1000. */
export const MAX_KEY_CHARS = 200;
export const MAX_NAME_CHARS = 1000;

/** Sorted keys at every level, compact. Input must already be plain JSON data (see canonicalJson). */
function stringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stringify(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The deterministic JSON of a document. It goes through JSON first, so what is hashed and encrypted is
 * exactly what a JSON reader gets back (undefined members dropped, dates as strings, NaN as null).
 */
export function canonicalJson(doc: unknown): string {
  return stringify(JSON.parse(JSON.stringify(doc)) as unknown);
}

function describe(doc: unknown): string {
  const id = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)['_id'] : undefined;
  return typeof id === 'string' ? `document ${JSON.stringify(id.slice(0, 80))}` : 'a document';
}

/** A document that can be pushed: an object with a non-empty string `_id` and a string `name` within the server's bounds. */
export function checkPushable(doc: unknown): asserts doc is SyncDocument & { name: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidDocumentError('a document must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (typeof d['_id'] !== 'string' || d['_id'].length === 0 || d['_id'].length > MAX_KEY_CHARS) {
    throw new InvalidDocumentError(`${describe(doc)}: _id must be a string of 1 to ${MAX_KEY_CHARS} characters`);
  }
  if (typeof d['name'] !== 'string' || d['name'].length > MAX_NAME_CHARS) {
    throw new InvalidDocumentError(`${describe(doc)}: name must be a string of at most ${MAX_NAME_CHARS} characters`);
  }
}

/** No two documents may share an `_id`: each is one entry of the snapshot's state. */
export function checkUniqueIds(docs: readonly SyncDocument[]): void {
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(d._id)) throw new InvalidDocumentError(`two documents have the _id ${JSON.stringify(d._id.slice(0, 80))}`);
    seen.add(d._id);
  }
}
