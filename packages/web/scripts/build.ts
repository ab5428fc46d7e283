import fs from 'node:fs';
import path from 'node:path';

/**
 * Builds the account web app served under `/app/` (docs/architecture.md §13): every `src/pages/<page>.ts` is
 * bundled by esbuild to `assets/<page>.js`, every `public/<page>.html` becomes `<page>/index.html`
 * (`index.html` stays `index.html`, the page at `/app/`), and every other file of `public/` (the stylesheet,
 * images) is copied to `assets/`. The `app` function serves the result as it is; nothing here needs the
 * network, so `pulumi up`, `pnpm start` and the tests all build it on the spot (well under a second).
 *
 * The pages run under a strict Content-Security-Policy (`script-src 'self'; style-src 'self'`): an inline
 * script, `<style>` element, `style=` or `on…=` attribute would be refused by the browser, so the build
 * refuses it first, and a page that references an asset the build did not produce fails here too.
 */

export const WEB_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_OUT_DIR = path.join(WEB_ROOT, 'dist');

/** Where built assets are served from; the HTML references its script and stylesheet by these URLs. */
export const ASSET_URL_PREFIX = '/app/assets/';

export interface BuildWebOptions {
  /** Default packages/web/dist. Replaced whole: the build writes a sibling folder and renames it. */
  outDir?: string;
  /** Linked source maps, for `pnpm start`; off for deployed archives. */
  sourcemap?: boolean;
  /** The sources; default packages/web (tests point it at fixtures). */
  webRoot?: string;
}

export interface BuiltWeb {
  outDir: string;
  /** Page names, `index` first: `/app/` and `/app/<page>/`. */
  pages: string[];
  /** Every file written, relative to outDir, sorted. */
  files: string[];
  ms: number;
}

/** A page name is what its URL segment will be: lower case, digits and dashes. */
const PAGE_NAME = /^[a-z0-9][a-z0-9-]*$/;

function listFiles(dir: string, ext?: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && (ext === undefined || e.name.endsWith(ext)) && !e.name.endsWith('.d.ts'))
    .map((e) => e.name)
    .sort();
}

function walk(dir: string, base = dir): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')]))
    .sort();
}

/**
 * What the CSP would break in one HTML file, or what would make the browser report an error, as messages
 * (empty when it is clean).
 */
export function pageProblems(html: string): string[] {
  const problems: string[] = [];
  // without one, the browser asks for /favicon.ico, a 404 that shows up as a console error in every test
  if (!/<link\b[^>]*\brel\s*=\s*["']?(?:shortcut )?icon\b/i.test(html)) problems.push('no <link rel="icon" href="/app/assets/favicon.svg">');
  for (const m of html.matchAll(/<script\b([^>]*)>/gi)) if (!/\bsrc\s*=/i.test(m[1]!)) problems.push('an inline <script> (use <script type="module" src="/app/assets/<page>.js">)');
  if (/<style\b/i.test(html)) problems.push('a <style> element (put styles in public/style.css)');
  if (/<[a-z][^>]*\sstyle\s*=/i.test(html)) problems.push('a style= attribute');
  if (/<[a-z][^>]*\son[a-z]+\s*=/i.test(html)) problems.push('an on…= event handler attribute');
  if (/\b(?:src|href)\s*=\s*["']?javascript:/i.test(html)) problems.push('a javascript: URL');
  if (/\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i.test(html)) problems.push('a resource from another origin (no CDNs or external fonts)');
  return problems;
}

/** `/app/assets/<file>` references of an HTML file. */
function assetRefs(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!).filter((u) => u.startsWith(ASSET_URL_PREFIX));
}

/** The same build, for the async callers (`pnpm start`, the tests): esbuild's work is synchronous anyway. */
export async function buildWeb(opts: BuildWebOptions = {}): Promise<BuiltWeb> {
  return buildWebSync(opts);
}

/** For the Pulumi program's archive step (infra/build.ts), which is synchronous. */
export function buildWebSync(opts: BuildWebOptions = {}): BuiltWeb {
  const started = Date.now();
  const webRoot = opts.webRoot ?? WEB_ROOT;
  const outDir = path.resolve(opts.outDir ?? DEFAULT_OUT_DIR);
  const pagesDir = path.join(webRoot, 'src', 'pages');
  const publicDir = path.join(webRoot, 'public');
  // required lazily: esbuild is a build-time dependency of this package only
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');

  const scripts = listFiles(pagesDir, '.ts');
  const htmls = listFiles(publicDir, '.html');
  const others = listFiles(publicDir).filter((f) => !f.endsWith('.html'));
  for (const f of [...scripts.map((s) => s.replace(/\.ts$/, '')), ...htmls.map((h) => h.replace(/\.html$/, ''))]) {
    if (!PAGE_NAME.test(f) || f === 'assets') throw new Error(`packages/web: page name ${JSON.stringify(f)} must match ${PAGE_NAME} and not be "assets"`);
  }
  if (!htmls.includes('index.html')) throw new Error('packages/web/public/index.html is missing: it is the page at /app/');

  // a sibling folder renamed into place: a server reading outDir never sees half a build
  const staging = `${outDir}.building-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'assets'), { recursive: true });
  try {
    if (scripts.length) {
      esbuild.buildSync({
        entryPoints: Object.fromEntries(scripts.map((s) => [s.replace(/\.ts$/, ''), path.join(pagesDir, s)])),
        outdir: path.join(staging, 'assets'),
        bundle: true,
        // ESM without code splitting: each page is one self-contained file, loaded with <script type="module">
        format: 'esm',
        // the pages' crypto must never reach for Node's modules: a stray import is a build error
        platform: 'browser',
        target: 'es2022',
        minify: true,
        sourcemap: opts.sourcemap ? 'linked' : false,
        legalComments: 'none',
        // the errors come back in the thrown error's message
        logLevel: 'silent',
        write: true,
      });
    }
    const problems: string[] = [];
    for (const html of htmls) {
      const page = html.replace(/\.html$/, '');
      const text = fs.readFileSync(path.join(publicDir, html), 'utf8');
      for (const p of pageProblems(text)) problems.push(`public/${html}: ${p}`);
      const target = page === 'index' ? path.join(staging, 'index.html') : path.join(staging, page, 'index.html');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, text);
    }
    for (const f of others) fs.copyFileSync(path.join(publicDir, f), path.join(staging, 'assets', f));
    for (const html of htmls) {
      for (const ref of assetRefs(fs.readFileSync(path.join(publicDir, html), 'utf8'))) {
        const file = ref.slice(ASSET_URL_PREFIX.length).split(/[?#]/)[0]!;
        if (!fs.existsSync(path.join(staging, 'assets', file))) problems.push(`public/${html}: references ${ref}, which the build does not produce`);
      }
    }
    if (problems.length) throw new Error(`packages/web: pages the Content-Security-Policy would break, or that would show errors:\n  ${problems.join('\n  ')}`);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    fs.renameSync(staging, outDir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const pages = htmls.map((h) => h.replace(/\.html$/, '')).sort((a, b) => (a === 'index' ? -1 : b === 'index' ? 1 : a.localeCompare(b)));
  return { outDir, pages, files: walk(outDir), ms: Date.now() - started };
}

if (require.main === module) {
  const outArg = process.argv.indexOf('--out');
  buildWeb({ outDir: outArg > 0 ? process.argv[outArg + 1] : undefined, sourcemap: process.argv.includes('--sourcemap') }).then(
    (built) => console.log(`built ${built.pages.length} page(s) and ${built.files.length} file(s) into ${path.relative(process.cwd(), built.outDir) || '.'} in ${built.ms} ms`),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
