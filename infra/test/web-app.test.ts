import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FUNCTION_REGISTRY, PAGE_CONTENT_SECURITY_POLICY, ROUTES, type FunctionSpec } from '@somnus/models';
import { WEB_ROOT } from '@somnus/web/scripts/build';
import { WEB_DIST_IN_ARCHIVE, shipsWebApp } from '../build';
import { buildArchive, startArchive } from './support/deployed-function';
import { routeThroughUrlMap } from './support/policy';
import { runStack, testConfig, T, type StackRun } from './support/harness';

/**
 * The account web app in GCP (docs/architecture.md §13): the load balancer sends `/app` and everything
 * under `/app/` to the `app` function, whose archive — built as `pulumi up` builds it — carries the built
 * pages in dist/ and serves them from there, with their headers, as a deployed instance does.
 */

const REGISTRY = FUNCTION_REGISTRY as readonly FunctionSpec[];
const appSpec = REGISTRY.find((f) => f.name === 'app')!;
/** The pages of packages/web/public: each must be in the archive at its URL's place. */
const PAGES = fs.readdirSync(path.join(WEB_ROOT, 'public')).filter((f) => f.endsWith('.html')).map((f) => f.replace(/\.html$/, ''));

describe('the load balancer', () => {
  let run: StackRun;
  const config = testConfig();
  beforeAll(async () => {
    run = await runStack(REGISTRY, ROUTES, config);
  });

  const urlMap = () => run.one(T.urlMap, 'url-map').inputs;
  const appBackend = () => run.one(T.backend, 'backend-app').state.selfLink;

  it('routes /app and every path under /app/ to the app function by a rule of their own', () => {
    const rules = urlMap().pathMatchers[0].routeRules as Array<{ matchRules: unknown[]; service: string }>;
    const webRule = rules.find((r) => JSON.stringify(r.matchRules).includes('/app/'));
    expect(webRule).toMatchObject({ matchRules: [{ fullPathMatch: '/app' }, { prefixMatch: '/app/' }], service: appBackend() });
    for (const p of ['/app', '/app/', '/app/auth-app/', '/app/assets/index.js', '/app/verify-email/']) {
      expect({ p, service: routeThroughUrlMap(urlMap(), config.domain, p) }).toEqual({ p, service: appBackend() });
    }
    // not by prefix on the string: /apple is nobody's rule (it reaches the pathMatcher's default, the 404 JSON)
    const withoutDefault = { ...urlMap(), pathMatchers: [{ ...urlMap().pathMatchers[0], defaultService: 'none' }] };
    for (const p of ['/apple', '/ap', '/application/x']) expect({ p, service: routeThroughUrlMap(withoutDefault, config.domain, p) }).toEqual({ p, service: 'none' });
  });
});

describe('the app function’s archive', () => {
  let outDir: string;
  let archive: string;
  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-web-archive-'));
    archive = buildArchive(appSpec, outDir);
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('carries the built web app: every page at its URL’s place, its scripts and the stylesheet', () => {
    expect(shipsWebApp(appSpec)).toBe(true);
    const dist = path.join(archive, WEB_DIST_IN_ARCHIVE);
    expect(PAGES).toContain('index');
    for (const page of PAGES) {
      const file = page === 'index' ? 'index.html' : path.join(page, 'index.html');
      expect({ page, shipped: fs.existsSync(path.join(dist, file)) }).toEqual({ page, shipped: true });
    }
    expect(fs.existsSync(path.join(dist, 'assets', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'assets', 'style.css'))).toBe(true);
    // deployed bundles carry no source maps
    expect(fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('only the function that serves /app/* ships it', () => {
    for (const spec of REGISTRY.filter((f) => f.name !== 'app')) expect({ fn: spec.name, ships: shipsWebApp(spec) }).toEqual({ fn: spec.name, ships: false });
  });

  it('serves the pages from there once deployed, without a database, with the page headers', async () => {
    const fn = await startArchive(appSpec, archive, {});
    try {
      const page = await fetch(`${fn.url}/app/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toContain('/app/assets/index.js');
      const script = await fetch(`${fn.url}/app/assets/index.js`);
      expect({ status: script.status, type: script.headers.get('content-type') }).toEqual({ status: 200, type: 'text/javascript; charset=utf-8' });
      const bare = await fetch(`${fn.url}/app`, { redirect: 'manual' });
      expect({ status: bare.status, location: bare.headers.get('location') }).toEqual({ status: 308, location: '/app/' });
    } finally {
      await fn.stop();
    }
  }, 60_000);
});
