import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildWeb } from '@somnus/web/scripts/build';

/**
 * The account web app the `app` function serves under `/app/` (docs/architecture.md §13), built for the
 * tests. Jest's globalSetup builds it once per run into the run's temp folder and sets SOMNUS_WEB_DIST (the
 * workers inherit it), so no test writes packages/web/dist while another reads it. A build that fails (a
 * page the CSP would break) does not stop the run: SOMNUS_WEB_BUILD_ERROR says why, and the tests of the
 * pages fail with it.
 */

export const WEB_BUILD_ERROR_ENV = 'SOMNUS_WEB_BUILD_ERROR';

/** For globalSetup: builds into `dir` and points SOMNUS_WEB_DIST at it; never throws. */
export async function buildWebForRun(dir: string): Promise<void> {
  try {
    await buildWeb({ outDir: dir });
    delete process.env[WEB_BUILD_ERROR_ENV];
  } catch (err) {
    process.env[WEB_BUILD_ERROR_ENV] = (err as Error).message;
  }
  process.env.SOMNUS_WEB_DIST = dir;
}

/**
 * The built app's folder: the run's (globalSetup), else a fresh build in a temp folder (a stack started
 * outside jest, e.g. a benchmark), removed when the process exits. Throws the build's error.
 */
export async function ensureWebBuilt(): Promise<string> {
  const failed = process.env[WEB_BUILD_ERROR_ENV];
  if (failed) throw new Error(`the web app did not build (pnpm build:web says the same): ${failed}`);
  const dist = process.env.SOMNUS_WEB_DIST;
  if (dist && fs.existsSync(path.join(dist, 'index.html'))) return dist;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-web-dist-'));
  process.on('exit', () => fs.rmSync(outDir, { recursive: true, force: true }));
  await buildWeb({ outDir });
  process.env.SOMNUS_WEB_DIST = outDir;
  return outDir;
}

/** For a function's own tests (functions/app/test), which do not depend on the build or the loader themselves. */
export { buildWeb } from '@somnus/web/scripts/build';
export { loadFunctions } from '@somnus/dev/src/function-loader';
