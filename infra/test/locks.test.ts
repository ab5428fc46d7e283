import fs from 'node:fs';
import path from 'node:path';
import { FUNCTION_REGISTRY, type FunctionSpec } from '@somnus/models';
import { LOCKS_DIR, REPO_ROOT } from '../build';

/**
 * What the deployed archives install is what the tests ran: every package of the lockfiles the archives ship
 * (infra/locks, installed with `npm ci` by Cloud Build and by the migration bundle's build) is in
 * pnpm-lock.yaml at the same version. Type-only packages are exempt: nothing of them runs.
 */

const lockOf = (kind: string) => JSON.parse(fs.readFileSync(path.join(LOCKS_DIR, kind, 'package-lock.json'), 'utf8'));

/** name → versions, of every package pnpm-lock.yaml resolves. */
function pnpmVersions(): Map<string, Set<string>> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'pnpm-lock.yaml'), 'utf8');
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(/^ {2}'?(@?[^@\s']+)@([^:'\s(]+)[^:\n]*'?:\s*$/gm)) {
    const set = out.get(m[1]!) ?? new Set<string>();
    set.add(m[2]!);
    out.set(m[1]!, set);
  }
  return out;
}

const typesOnly = (name: string) => name.startsWith('@types/') || name === 'undici-types';

describe('the lockfiles the deployed archives install from', () => {
  const pnpm = pnpmVersions();
  it.each(['function', 'migrate'])('%s: every package at a version the tests ran (pnpm-lock.yaml), each with its integrity', (kind) => {
    const lock = lockOf(kind);
    expect(lock.lockfileVersion).toBe(3);
    const strays: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages as Record<string, { version?: string; integrity?: string }>)) {
      if (!where) continue;
      const name = where.split('node_modules/').at(-1)!;
      expect({ where, integrity: typeof entry.integrity }).toEqual({ where, integrity: 'string' });
      if (!typesOnly(name) && !pnpm.get(name)?.has(entry.version!)) strays.push(`${name}@${entry.version}`);
    }
    expect(strays).toEqual([]);
  });

  it('locks exactly the direct dependencies the archives declare', () => {
    const ff = new Set((FUNCTION_REGISTRY as readonly FunctionSpec[]).map((s) => JSON.parse(fs.readFileSync(path.join(REPO_ROOT, s.source, 'package.json'), 'utf8')).dependencies['@google-cloud/functions-framework']));
    expect([...ff]).toHaveLength(1);
    expect(lockOf('function').packages[''].dependencies).toEqual({ '@google-cloud/functions-framework': [...ff][0] });
    const db = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'packages', 'db', 'package.json'), 'utf8')).dependencies;
    expect(lockOf('migrate').packages[''].dependencies).toEqual({ 'node-pg-migrate': db['node-pg-migrate'], pg: db.pg });
  });
});
