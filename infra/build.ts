import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { DEPLOYED_NODE_MAJOR, ROUTES, type FunctionSpec, type RouteDef } from '@somnus/models';
import { buildWebSync } from '@somnus/web/scripts/build';

/**
 * Turns workspace code into what GCP runs. Injected into the stack so that the unit tests (pulumi mocks)
 * never bundle anything; `pulumi up` uses esbuildBuilder.
 */
export interface Builder {
  /** One deployable archive per function: its own bundle and a package.json for the Node.js buildpack. */
  functionSource(spec: FunctionSpec): { archive: pulumi.asset.Archive; hash: string };
  /** The migration runner with the SQL migrations, as a .tar.gz the migration job unpacks. */
  migrationBundle(): { asset: pulumi.asset.Asset; hash: string };
}

export const REPO_ROOT = path.resolve(__dirname, '..');

/** esbuild's target: the Node.js the bundles run on in GCP, functions and migration job alike (docs/architecture.md §9). */
export const ESBUILD_TARGET = `node${DEPLOYED_NODE_MAJOR}`;

/** Files named by their path under `base` (default: their own name), so a file moved elsewhere changes the hash. */
function sha256Files(files: string[], base?: string): string {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort()) {
    h.update(base ? path.relative(base, f).split(path.sep).join('/') : path.basename(f)).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * The lockfiles the archives ship (infra/locks/*): Cloud Build runs `npm ci` on a function's archive and the
 * migration bundle is installed with `npm ci`, so every dependency of a dependency is the version and the
 * bytes (integrity) recorded here, never whatever the registry serves on the day of `pulumi up`.
 * infra/test/locks.test.ts keeps them in step with the versions the tests run (pnpm-lock.yaml).
 */
export const LOCKS_DIR = path.join(REPO_ROOT, 'infra', 'locks');

/** A lockfile for a package named `name` whose direct dependencies must be exactly `deps`. */
function lockFor(kind: 'function' | 'migrate', name: string, deps: Record<string, string>): unknown {
  const lock = readJson(path.join(LOCKS_DIR, kind, 'package-lock.json'));
  const locked = lock.packages[''].dependencies as Record<string, string>;
  if (JSON.stringify(locked) !== JSON.stringify(deps)) {
    throw new Error(`infra/locks/${kind}/package-lock.json locks ${JSON.stringify(locked)}, the archive needs ${JSON.stringify(deps)}: regenerate it (README, "Deploy")`);
  }
  return { ...lock, name, packages: { ...lock.packages, '': { ...lock.packages[''], name } } };
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Bundles with esbuild: every workspace package and npm dependency goes into one CommonJS file, except
 * functions-framework, which the Cloud Functions Node.js buildpack installs from package.json and which
 * must be the same module instance the function registers itself with. The output is deterministic
 * (no timestamps, sorted inputs), so an unchanged function keeps its archive name and is not redeployed.
 */
/**
 * Where a function's archive carries the built account web app (docs/architecture.md §13): `dist/` next to
 * its index.js, which is where functions/app/src/web-dist.ts looks first.
 */
export const WEB_DIST_IN_ARCHIVE = 'dist';

/** A function that serves a `static` row (`GET /app/*`) ships the web app in its archive. */
export function shipsWebApp(spec: FunctionSpec, routes: readonly RouteDef[] = ROUTES): boolean {
  return routes.some((r) => r.fn === spec.name && r.responseFormat === 'static');
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export function esbuildBuilder(opts: { repoRoot?: string; outDir?: string; routes?: readonly RouteDef[] } = {}): Builder {
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  const outDir = opts.outDir ?? path.join(repoRoot, 'dist', 'infra');
  // required lazily: esbuild is a build-time dependency only
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');

  const bundle = (entry: string, outfile: string, external: string[]) =>
    esbuild.buildSync({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: ESBUILD_TARGET,
      format: 'cjs',
      external: ['pg-native', ...external],
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'error',
    });

  return {
    functionSource(spec) {
      const dir = path.join(outDir, 'functions', spec.name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const pkg = readJson(path.join(repoRoot, spec.source, 'package.json'));
      const ff = pkg.dependencies?.['@google-cloud/functions-framework'];
      if (!ff) throw new Error(`${spec.source}/package.json must depend on @google-cloud/functions-framework`);
      bundle(path.join(repoRoot, spec.source, 'src', 'index.ts'), path.join(dir, 'index.js'), ['@google-cloud/functions-framework']);
      writeJson(path.join(dir, 'package.json'), {
        name: `somnus-${spec.name}`,
        version: pkg.version ?? '0.0.0',
        private: true,
        main: 'index.js',
        // the major of the function's runtime (FUNCTION_RUNTIME), so the package says what it runs on
        engines: { node: String(DEPLOYED_NODE_MAJOR) },
        dependencies: { '@google-cloud/functions-framework': ff },
      });
      writeJson(path.join(dir, 'package-lock.json'), lockFor('function', `somnus-${spec.name}`, { '@google-cloud/functions-framework': ff }));
      const shipped = [path.join(dir, 'index.js'), path.join(dir, 'package.json'), path.join(dir, 'package-lock.json')];
      if (shipsWebApp(spec, opts.routes)) {
        // built here, at `pulumi up` (esbuild, no network), from the checked-out pages: the deployed pages
        // are always those of the deployed code, and a page the CSP would break stops the deploy
        buildWebSync({ outDir: path.join(dir, WEB_DIST_IN_ARCHIVE) });
        shipped.push(...filesUnder(path.join(dir, WEB_DIST_IN_ARCHIVE)));
      }
      const hash = sha256Files(shipped, dir);
      return { archive: new pulumi.asset.FileArchive(dir), hash };
    },

    migrationBundle() {
      const dir = path.join(outDir, 'migrate');
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
      // runMigrations finds the SQL at <bundle dir>/../migrations, as it does in packages/db
      bundle(path.join(repoRoot, 'infra', 'migrate-job', 'main.ts'), path.join(dir, 'dist', 'migrate.js'), []);
      const sqlDir = path.join(repoRoot, 'packages', 'db', 'migrations');
      fs.cpSync(sqlDir, path.join(dir, 'migrations'), { recursive: true });
      const dbPkg = readJson(path.join(repoRoot, 'packages', 'db', 'package.json'));
      const deps = { 'node-pg-migrate': dbPkg.dependencies['node-pg-migrate'], pg: dbPkg.dependencies.pg };
      writeJson(path.join(dir, 'package-lock.json'), lockFor('migrate', 'somnus-migrate', deps));
      writeJson(path.join(dir, 'package.json'), {
        name: 'somnus-migrate',
        private: true,
        main: 'dist/migrate.js',
        scripts: { migrate: 'node dist/migrate.js' },
        // the job's image runs this major (migrations.ts MIGRATION_IMAGE)
        engines: { node: String(DEPLOYED_NODE_MAJOR) },
        dependencies: deps,
      });
      const hash = sha256Files([
        path.join(dir, 'dist', 'migrate.js'),
        path.join(dir, 'package.json'),
        path.join(dir, 'package-lock.json'),
        ...fs.readdirSync(sqlDir).map((f) => path.join(sqlDir, f)),
      ]);
      // node-pg-migrate runs as its own CLI (runMigrations spawns it), so it ships installed
      execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
      const tgz = path.join(outDir, `migrate-${hash}.tgz`);
      // the object name carries the source hash, so the archive bytes need not be reproducible
      execFileSync('tar', ['-czf', tgz, '-C', dir, '.']);
      return { asset: new pulumi.asset.FileAsset(tgz), hash };
    },
  };
}
