import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb, pageProblems } from '../scripts/build';

/** `pnpm build:web` (packages/web/scripts/build.ts): the layout the app function serves, and what it refuses. */

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-web-build-'));
  fs.mkdirSync(path.join(root, 'web', 'public'), { recursive: true });
  fs.mkdirSync(path.join(root, 'web', 'src', 'pages'), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const page = (name: string, extra = '') =>
  `<!doctype html><link rel="icon" href="/app/assets/favicon.svg"><link rel="stylesheet" href="/app/assets/style.css"><script type="module" src="/app/assets/${name}.js"></script>${extra}`;

function write(files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(root, 'web', f), text);
}

it('bundles each page script, puts each page at its URL and the other public files under assets/, fast', async () => {
  write({
    'public/index.html': page('index'),
    'public/auth-app.html': page('auth-app'),
    'public/style.css': 'body{}',
    'public/favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'src/pages/index.ts': 'import { shared } from "../shared";\ndocument.body.dataset.x = shared;\n',
    'src/pages/auth-app.ts': 'document.body.dataset.y = "1";\n',
    'src/shared.ts': 'export const shared: string = "s";\n',
  });
  const built = await buildWeb({ webRoot: path.join(root, 'web'), outDir: path.join(root, 'dist') });
  expect(built.pages).toEqual(['index', 'auth-app']);
  expect(built.files).toEqual(['assets/auth-app.js', 'assets/favicon.svg', 'assets/index.js', 'assets/style.css', 'auth-app/index.html', 'index.html']);
  const js = fs.readFileSync(path.join(root, 'dist', 'assets', 'index.js'), 'utf8');
  // one self-contained, minified file per page: no import left, no source map
  expect(js).not.toMatch(/\bimport\b/);
  expect(js.trim().split('\n')).toHaveLength(1);
  expect(built.ms).toBeLessThan(1000);
});

it('refuses what the strict CSP would block, and assets the build does not make, and leaves the last build in place', async () => {
  write({ 'public/index.html': page('index'), 'public/style.css': '', 'public/favicon.svg': '', 'src/pages/index.ts': 'export {};\n' });
  const outDir = path.join(root, 'dist');
  await buildWeb({ webRoot: path.join(root, 'web'), outDir });
  write({ 'public/index.html': page('index', '<script>alert(1)</script><p style="color:red" onclick="x()">') });
  await expect(buildWeb({ webRoot: path.join(root, 'web'), outDir })).rejects.toThrow(/inline <script>[\s\S]*style= attribute[\s\S]*on…= event handler/);
  write({ 'public/index.html': page('index', '<script type="module" src="/app/assets/missing.js"></script>') });
  await expect(buildWeb({ webRoot: path.join(root, 'web'), outDir })).rejects.toThrow(/missing\.js, which the build does not produce/);
  expect(fs.existsSync(path.join(outDir, 'index.html'))).toBe(true);
  expect(fs.readdirSync(root).filter((f) => f.includes('.building-'))).toEqual([]);
});

it('names what would break a page', () => {
  expect(pageProblems(page('x'))).toEqual([]);
  expect(pageProblems('<link rel="stylesheet" href="https://cdn.example/x.css">')).toEqual([
    'no <link rel="icon" href="/app/assets/favicon.svg">',
    'a resource from another origin (no CDNs or external fonts)',
  ]);
  expect(pageProblems(`${page('x')}<style>p{}</style><a href="javascript:void 0">`)).toEqual(['a <style> element (put styles in public/style.css)', 'a javascript: URL']);
});
