import fs from 'node:fs';
import path from 'node:path';
import { ROUTES } from '@somnus/models';

/**
 * The README's compatibility table promises an answer for every path Insomnia clients send, each proven
 * by a named test. This keeps the promise honest: every row is a route of the table, and the test it
 * names exists and calls that path.
 */

const ROOT = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Compatibility with Insomnia clients'), readme.indexOf('\n## ', readme.indexOf('## Compatibility with Insomnia clients') + 5));
const rows = [...section.matchAll(/^\| `([A-Z]+) ([^`]+)` \| [^|]+ \| [^|]+ \| `([^`]+)` \|$/gm)].map((m) => ({ method: m[1]!, path: m[2]!, test: m[3]! }));

/** The literal tail of a path, as tests write it (ids in between come from variables). */
const literalTail = (p: string) => p.split('/').filter((s) => s && !s.startsWith(':')).slice(-1)[0]!;

describe('the README compatibility table', () => {
  it('lists the paths clients send', () => {
    expect(section.length).toBeGreaterThan(0);
    expect(rows.length).toBeGreaterThanOrEqual(35);
  });

  it.each(rows.map((r) => [`${r.method} ${r.path}`, r] as const))('%s is a route and its named test calls it', (_label, row) => {
    // a page under a wildcard row (`GET /app/*`) is that row's
    const routed = (r: (typeof ROUTES)[number]) => r.path === row.path || (r.path.endsWith('/*') && row.path.startsWith(r.path.slice(0, -1)));
    expect(ROUTES.some((r) => r.method === row.method && routed(r))).toBe(true);
    const file = path.join(ROOT, row.test);
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toContain(literalTail(row.path));
  });
});
