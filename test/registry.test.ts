import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { functionEntryFile, loadFunction } from '@somnus/dev/src/function-loader';
import { FUNCTION_REGISTRY, ROUTES, type FunctionSpec } from '@somnus/models';
import { esbuildBuilder, REPO_ROOT } from '../infra/build';
import { startFunctions } from './support/function-server';

/**
 * Adding a function is its registry entry and its folder (docs/architecture.md §12). This proves the
 * promise for every entry: the local stack and the test harness load it through the one loader, and the
 * infra program bundles it into an archive that starts and registers the entry point GCP will call.
 */

const REGISTRY = FUNCTION_REGISTRY as readonly FunctionSpec[];

describe('the function registry drives the wiring', () => {
  it('every functions/<name> folder is a registry entry, and every entry has its folder', () => {
    const folders = fs.readdirSync(path.join(REPO_ROOT, 'functions')).filter((d) => fs.existsSync(path.join(REPO_ROOT, 'functions', d, 'package.json')));
    expect(folders.sort()).toEqual(REGISTRY.map((f) => path.basename(f.source)).sort());
    for (const spec of REGISTRY) {
      expect(fs.existsSync(functionEntryFile(spec))).toBe(true);
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, spec.source, 'package.json'), 'utf8'));
      expect(pkg.dependencies['@google-cloud/functions-framework']).toBeDefined();
    }
  });

  it('a function with any route that needs a session is given the database (sessions live there)', () => {
    // deployed, a function sees only the secrets of its own entry; locally every function shares one env
    for (const spec of REGISTRY) {
      const needsSession = ROUTES.some((r) => r.fn === spec.name && r.access !== 'public');
      if (needsSession) expect({ fn: spec.name, secrets: spec.secrets }).toEqual({ fn: spec.name, secrets: expect.arrayContaining(['database-url']) });
    }
  });

  it('no package depends on a function: loaders find functions by their registry entry', () => {
    for (const dir of ['test', 'packages/dev', 'infra']) {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8'));
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
      const functionPackages = REGISTRY.map((f) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, f.source, 'package.json'), 'utf8')).name);
      expect({ dir, deps: deps.filter((d) => functionPackages.includes(d)) }).toEqual({ dir, deps: [] });
    }
  });

  it.each(REGISTRY.map((f) => [f.name, f] as const))('%s: the local stack loads it from its entry', (_name, spec) => {
    const server = loadFunction(spec);
    expect(typeof server.listen).toBe('function');
  });

  it('the test harness starts every entry, and each public one serves its routes', async () => {
    const names = REGISTRY.map((f) => f.name) as Parameters<typeof startFunctions>;
    const h = await startFunctions(...names);
    try {
      for (const spec of REGISTRY.filter((f) => f.trigger.type === 'http' && f.trigger.public)) {
        const route = ROUTES.find((r) => r.fn === spec.name && r.access !== 'public')!;
        const res = await (h as unknown as Record<string, typeof h.http>)[spec.name]!.call(route.method, route.path.replace(/:([A-Za-z]+)/g, 'x'));
        // no session: the function refused through its contract (GraphQL refuses in the body), not a 404 for an unknown function
        const refused = 'errorFormat' in route ? res.status === 200 && /invalid access/.test(res.body.errors?.[0]?.message) : res.status === 401;
        expect({ fn: spec.name, refused }).toEqual({ fn: spec.name, refused: true });
      }
    } finally {
      await h.stop();
    }
  });

  it.each(REGISTRY.map((f) => [f.name, f] as const))('%s: the infra program bundles it into an archive that starts', (_name, spec) => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-bundle-'));
    try {
      esbuildBuilder({ outDir }).functionSource(spec);
      const dir = path.join(outDir, 'functions', spec.name);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      expect(pkg.main).toBe('index.js');
      // what the Node.js buildpack does: install functions-framework, load main, look up the entry point
      const frameworkHome = path.join(REPO_ROOT, spec.source, 'node_modules');
      const script =
        `require('./index.js');` +
        `const { getTestServer } = require('@google-cloud/functions-framework/testing');` +
        `getTestServer(${JSON.stringify(spec.entryPoint)}); process.stdout.write('registered');`;
      const out = execFileSync(process.execPath, ['-e', script], { cwd: dir, env: { ...process.env, NODE_PATH: frameworkHome }, encoding: 'utf8' });
      expect(out).toBe('registered');
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  });
});
