import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { StaticAnswer } from '@somnus/models';
import { fail, ok, type Result } from '@somnus/runtime';

/**
 * `GET /app/*`: the account web app's pages and assets (docs/architecture.md §13), from the folder
 * `pnpm build:web` writes:
 *
 *   /app              → 308 /app/            (the query kept: the sign-in page's loginKey rides on it)
 *   /app/             → index.html
 *   /app/<page>       → 308 /app/<page>/
 *   /app/<page>/      → <page>/index.html
 *   /app/assets/<f>   → assets/<f>
 *
 * Anything else is a 404. Request paths never reach the file system: the folder is read once into a map
 * of the URLs above, and a request is looked up in it by its exact segments, each of which must be a plain
 * name (letters, digits, `.`, `_`, `-`, not starting with a dot). So `..`, `%2e%2e`, an encoded slash or
 * backslash, a NUL or a dotfile cannot name anything outside the map, or anything at all.
 */

export interface WebDeps {
  /** The built app's folder, or null when it is not built (then every page is a 503 that says how to build it). */
  webDist: () => string | null;
}

/** A path segment that names a page or an asset; percent signs, slashes, backslashes and NUL never do. */
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Pages change with every deploy and the sign-in page must never come from a cache (it handles the
 * loginKey); assets keep their names across deploys (no content hash), so a browser keeps them but asks
 * each time, and an unchanged one costs a 304 (ETag) instead of its bytes.
 */
const PAGE_CACHE = 'no-store';
const ASSET_CACHE = 'no-cache';

interface WebFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

interface WebIndex {
  /** The folder's identity when read: a rebuild renames a new folder into place, which changes it. */
  stamp: string;
  /** `''` for /app/, `<page>` for /app/<page>/. */
  pages: Map<string, WebFile>;
  /** `<file>` for /app/assets/<file>. */
  assets: Map<string, WebFile>;
}

let cache: { dir: string; index: WebIndex } | null = null;

function fileOf(file: string): WebFile {
  const body = fs.readFileSync(file);
  return {
    body,
    contentType: CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
  };
}

function readIndex(dir: string, stamp: string): WebIndex {
  const pages = new Map<string, WebFile>();
  const assets = new Map<string, WebFile>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'index.html') pages.set('', fileOf(path.join(dir, entry.name)));
    else if (entry.isDirectory() && entry.name === 'assets') {
      for (const a of fs.readdirSync(path.join(dir, 'assets'), { withFileTypes: true })) {
        if (a.isFile() && NAME.test(a.name)) assets.set(a.name, fileOf(path.join(dir, 'assets', a.name)));
      }
    } else if (entry.isDirectory() && NAME.test(entry.name) && fs.existsSync(path.join(dir, entry.name, 'index.html'))) {
      pages.set(entry.name, fileOf(path.join(dir, entry.name, 'index.html')));
    }
  }
  return { stamp, pages, assets };
}

/** The index of `dir`, read again only when the folder was replaced (a rebuild during `pnpm start`). */
function indexOf(dir: string): WebIndex | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return null;
  }
  const stamp = `${stat.ino}:${stat.mtimeMs}`;
  if (cache?.dir === dir && cache.index.stamp === stamp) return cache.index;
  const index = readIndex(dir, stamp);
  if (!index.pages.has('')) return null;
  cache = { dir, index };
  return index;
}

const notFound = (): Result<StaticAnswer> => fail('NOT_FOUND', 'No such page');

const served = (f: WebFile, cacheControl: string): Result<StaticAnswer> => ok({ kind: 'file', body: f.body, contentType: f.contentType, cacheControl, etag: f.etag });

export async function serveWeb(deps: WebDeps, input: { path: string; search: string }): Promise<Result<StaticAnswer>> {
  const { path: urlPath, search } = input;
  if (!urlPath.startsWith('/app') || (urlPath.length > 4 && urlPath[4] !== '/')) return notFound();
  const dir = deps.webDist();
  const index = dir ? indexOf(dir) : null;
  if (!index) return fail('SERVICE_UNAVAILABLE', 'The account web app is not built on this server: run `pnpm build:web` (or set SOMNUS_WEB_DIST to a built copy)');

  // `/app` → `/app/`; segments after `/app/`, the last one '' when the path ends with a slash
  if (urlPath === '/app') return ok({ kind: 'redirect', location: `/app/${search}` });
  const segments = urlPath.slice('/app/'.length).split('/');
  const last = segments.length - 1;
  if (segments.some((s, i) => !(NAME.test(s) || (i === last && s === '')))) return notFound();

  if (segments.length === 1 && segments[0] === '') return served(index.pages.get('')!, PAGE_CACHE);
  const [first, second] = segments as [string, string | undefined];
  if (first === 'assets') {
    const asset = segments.length === 2 && second ? index.assets.get(second) : undefined;
    return asset ? served(asset, ASSET_CACHE) : notFound();
  }
  const page = index.pages.get(first);
  if (!page || first === 'index') return notFound();
  if (segments.length === 1) return ok({ kind: 'redirect', location: `/app/${first}/${search}` });
  if (segments.length === 2 && second === '') return served(page, PAGE_CACHE);
  return notFound();
}

/** Forgets the index (tests that swap the folder within one process). */
export function forgetWebIndex(): void {
  cache = null;
}
