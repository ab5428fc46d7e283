/**
 * A synced directory for `somnus push|pull|branches|log DIR`: every `*.json` file in DIR (not hidden,
 * not in subdirectories) is one document, and DIR/.somnus.json remembers which project and branch the
 * directory is synced with and the snapshot it was last synced at — the `base` that lets push refuse to
 * overwrite someone else's work and pull refuse to overwrite local edits. The state file holds ids only,
 * never a key: the project key is fetched and unwrapped anew by every command.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, type SyncDocument } from '../sync/documents';
import { readJsonFile } from './json-file';

export const STATE_FILE = '.somnus.json';
const PROJECT_ID = /^prj_[0-9a-f]{32}$/;
const SNAPSHOT_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export class SyncDirError extends Error {
  override readonly name = 'SyncDirError';
}

export interface DirState {
  /** The server the directory is synced with: its ids mean nothing on another one. */
  server: string;
  projectId: string;
  /** The org the project was created in, when this directory created it or was told (--org). */
  orgId?: string;
  branch: string;
  /** The snapshot the documents were last pushed as or pulled from. */
  head: string | null;
}

export interface DirDocument {
  /** File name inside DIR. */
  file: string;
  doc: SyncDocument;
}

function isState(v: unknown): v is DirState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s['server'] === 'string' &&
    typeof s['projectId'] === 'string' &&
    PROJECT_ID.test(s['projectId']) &&
    (s['orgId'] === undefined || typeof s['orgId'] === 'string') &&
    typeof s['branch'] === 'string' &&
    s['branch'].length > 0 &&
    (s['head'] === null || (typeof s['head'] === 'string' && SNAPSHOT_ID.test(s['head'])))
  );
}

export function isProjectId(id: string): boolean {
  return PROJECT_ID.test(id);
}

/** The directory's state, or null when it has none (or does not exist yet). */
export async function readState(dir: string): Promise<DirState | null> {
  const file = join(dir, STATE_FILE);
  return readJsonFile(file, isState, () => new SyncDirError(`${file} is not a valid sync state; fix or delete it`));
}

/** Through a temporary file and a rename, so an interrupted write never leaves half a file. */
async function writeAtomic(path: string, dir: string, text: string): Promise<void> {
  const tmp = join(dir, `.somnus-${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, text, 'utf8');
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeState(dir: string, state: DirState): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, STATE_FILE), dir, `${JSON.stringify(state, null, 2)}\n`);
}

/** The documents in DIR, by file name; an unreadable or malformed file, or two files with one `_id`, is an error naming them. */
export async function readDocuments(dir: string): Promise<DirDocument[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const docs: DirDocument[] = [];
  const byId = new Map<string, string>();
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const text = await readFile(join(dir, entry.name), 'utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new SyncDirError(`${entry.name}: not valid JSON`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || typeof (doc as Record<string, unknown>)['_id'] !== 'string') {
      throw new SyncDirError(`${entry.name}: a document must be a JSON object with a string _id`);
    }
    const id = (doc as SyncDocument)._id;
    const other = byId.get(id);
    if (other !== undefined) throw new SyncDirError(`${other} and ${entry.name} have the same _id`);
    byId.set(id, entry.name);
    docs.push({ file: entry.name, doc: doc as SyncDocument });
  }
  return docs;
}

/** A file name for a new document: its `_id` with anything unusual replaced, never hidden, never the state file. */
function fileNameFor(id: string, taken: ReadonlySet<string>): string {
  const stem = id.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.]+/, '').slice(0, 120) || 'document';
  for (let i = 1; ; i++) {
    const name = `${stem}${i === 1 ? '' : `-${i}`}.json`;
    if (!taken.has(name.toLowerCase())) return name;
  }
}

export interface WriteSummary {
  written: number;
  removed: number;
  unchanged: number;
}

/**
 * Makes DIR hold exactly `docs`: a document keeps the file it was read from, a new one gets a file named
 * after its `_id`, and the files of documents no longer present are removed. A file whose document is
 * unchanged (as JSON, whatever its formatting or key order) is not rewritten. Only document files are
 * touched; other files in DIR are left alone.
 */
export async function writeDocuments(dir: string, current: readonly DirDocument[], docs: readonly SyncDocument[]): Promise<WriteSummary> {
  await mkdir(dir, { recursive: true });
  const fileOf = new Map(current.map((c) => [c.doc._id, c]));
  const keep = new Set(docs.map((d) => d._id));
  // names compared case-insensitively: on macOS and Windows `A.json` and `a.json` are one file
  const taken = new Set((await readdir(dir)).map((n) => n.toLowerCase()));
  const summary: WriteSummary = { written: 0, removed: 0, unchanged: 0 };
  for (const c of current) {
    if (keep.has(c.doc._id)) continue;
    await rm(join(dir, c.file), { force: true });
    taken.delete(c.file.toLowerCase());
    summary.removed++;
  }
  for (const doc of docs) {
    const existing = fileOf.get(doc._id);
    if (existing && canonicalJson(existing.doc) === canonicalJson(doc)) {
      summary.unchanged++;
      continue;
    }
    const file = existing?.file ?? fileNameFor(doc._id, taken);
    taken.add(file.toLowerCase());
    await writeAtomic(join(dir, file), dir, `${JSON.stringify(doc, null, 2)}\n`);
    summary.written++;
  }
  return summary;
}
