import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAGE_CONTENT_SECURITY_POLICY } from '@somnus/models';
import { listen } from '../../../test/support/api';
import { rawRequest } from '../../../test/support/raw-http';
import { buildWeb, loadFunctions } from '../../../test/support/web';
import { forgetWebIndex } from '../src/use-cases/serve-web';

/**
 * `GET /app/*` (docs/architecture.md §13): the account web app's pages and assets, served by the `app`
 * function from a built copy of a small fixture app, with the page headers on every answer. No database:
 * the pages must load while Postgres is down. Paths go over a raw socket, since fetch would resolve `..`.
 */

let root: string;
let dist: string;
let server: { baseUrl: string; close: () => Promise<void> };
const get = (p: string, headers: Record<string, string> = {}, method = 'GET') => rawRequest(server.baseUrl, { method, path: p, headers });

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-web-'));
  const web = path.join(root, 'web');
  fs.mkdirSync(path.join(web, 'public'), { recursive: true });
  fs.mkdirSync(path.join(web, 'src', 'pages'), { recursive: true });
  const html = (page: string) => `<!doctype html><title>${page}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/app/assets/style.css"><script type="module" src="/app/assets/${page}.js"></script><p>${page} page</p>`;
  for (const page of ['index', 'auth-app']) {
    fs.writeFileSync(path.join(web, 'public', `${page}.html`), html(page));
    fs.writeFileSync(path.join(web, 'src', 'pages', `${page}.ts`), `document.body.dataset.page = ${JSON.stringify(page)};\n`);
  }
  fs.writeFileSync(path.join(web, 'public', 'style.css'), 'body { color: black; }\n');
  dist = path.join(root, 'dist');
  await buildWeb({ webRoot: web, outDir: dist });
  // a file outside the app that a traversal would reach
  fs.writeFileSync(path.join(root, 'secret.txt'), 'not for the web');
  process.env.SOMNUS_WEB_DIST = dist;
  delete process.env.DATABASE_URL;
  forgetWebIndex();
  server = await listen(loadFunctions(['app']).app);
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const PAGE_HEADERS = {
  'content-security-policy': PAGE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

it('serves /app/ and /app/<page>/ as HTML that no cache keeps, with the page headers', async () => {
  const index = await get('/app/');
  expect(index.status).toBe(200);
  expect(index.headers).toMatchObject({ ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  expect(index.text).toContain('index page');
  const signIn = await get('/app/auth-app/?loginKey=abc%252Fdef');
  expect(signIn.status).toBe(200);
  expect(signIn.text).toContain('auth-app page');
  expect(signIn.headers).toMatchObject({ ...PAGE_HEADERS, 'cache-control': 'no-store' });
});

it('redirects /app and a page without its slash to the canonical URL, keeping the query (the loginKey)', async () => {
  const bare = await get('/app');
  expect({ status: bare.status, location: bare.headers.location }).toEqual({ status: 308, location: '/app/' });
  expect(bare.headers).toMatchObject(PAGE_HEADERS);
  const page = await get('/app/auth-app?loginKey=k%2B1&provider=email');
  expect({ status: page.status, location: page.headers.location }).toEqual({ status: 308, location: '/app/auth-app/?loginKey=k%2B1&provider=email' });
});

it('serves assets with their content type, an ETag, and 304 when the browser has them', async () => {
  const js = await get('/app/assets/index.js');
  expect(js.status).toBe(200);
  expect(js.headers).toMatchObject({ ...PAGE_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
  expect(js.text).toContain('dataset.page');
  const css = await get('/app/assets/style.css');
  expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  const again = await get('/app/assets/index.js', { 'If-None-Match': js.headers.etag! });
  expect(again.status).toBe(304);
  expect(again.text).toBe('');
});

it('answers HEAD like GET, without the body', async () => {
  const head = await get('/app/', {}, 'HEAD');
  expect(head.status).toBe(200);
  expect(head.headers).toMatchObject({ ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  expect(head.text).toBe('');
});

it('answers an unknown page or asset with the JSON 404, page headers included', async () => {
  for (const p of ['/app/nope/', '/app/assets/nope.js', '/app/assets/', '/app/assets', '/app/auth-app/extra', '/app/index/', '/app/index.html', '/appx', '/app//']) {
    const res = await get(p);
    expect({ p, status: res.status, body: res.body }).toEqual({ p, status: 404, body: { error: 'NOT_FOUND', message: expect.any(String) } });
    if (p !== '/appx') expect(res.headers).toMatchObject({ ...PAGE_HEADERS, 'content-type': 'application/json' });
  }
});

it('never leaves the built folder: dot segments, encoded dots and slashes, backslashes, NUL, dotfiles', async () => {
  const hostile = [
    '/app/../secret.txt',
    '/app/assets/../../secret.txt',
    '/app/%2e%2e/secret.txt',
    '/app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/app/assets/..%2f..%2fsecret.txt',
    '/app/assets/%2E%2E/%2E%2E/secret.txt',
    '/app/assets/..%5c..%5csecret.txt',
    '/app/assets/index.js%00.html',
    '/app/assets/%00',
    '/app/%2fetc%2fpasswd',
    '/app/assets/.hidden',
    '/app/./',
    '/app/assets/./index.js',
    '/app/auth-app/..',
    '/app/%61ssets/index.js',
  ];
  for (const p of hostile) {
    const res = await get(p);
    expect({ p, status: res.status }).toEqual({ p, status: 404 });
    expect(res.text).not.toContain('not for the web');
  }
});

it('answers 503 with how to build the app when it is not built', async () => {
  process.env.SOMNUS_WEB_DIST = path.join(root, 'missing');
  try {
    const res = await get('/app/');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('pnpm build:web') });
    expect(res.headers).toMatchObject(PAGE_HEADERS);
  } finally {
    process.env.SOMNUS_WEB_DIST = dist;
  }
});

it('picks up a rebuild without a restart (pnpm start rebuilds in place)', async () => {
  const before = await get('/app/');
  fs.writeFileSync(path.join(root, 'web', 'public', 'index.html'), fs.readFileSync(path.join(root, 'web', 'public', 'index.html'), 'utf8').replace('index page', 'rebuilt page'));
  await buildWeb({ webRoot: path.join(root, 'web'), outDir: dist });
  const after = await get('/app/');
  expect(before.text).toContain('index page');
  expect(after.text).toContain('rebuilt page');
});
