import fs from 'node:fs';
import path from 'node:path';

/**
 * Where the built account web app is (docs/architecture.md §13), in this order: SOMNUS_WEB_DIST when set;
 * `dist/` next to the bundle, which is where the deployed archive carries it (infra/build.ts: the archive's
 * index.js is this module's bundle); packages/web/dist of the workspace, which `pnpm build:web` and
 * `pnpm start` write. The first that holds an index.html wins; none: the app is not built (a 503 says so).
 */
export function locateWebDist(env: NodeJS.ProcessEnv = process.env): { dir: string | null; tried: string[] } {
  const tried = env.SOMNUS_WEB_DIST
    ? [path.resolve(env.SOMNUS_WEB_DIST)]
    : [path.join(__dirname, 'dist'), path.resolve(__dirname, '..', '..', '..', 'packages', 'web', 'dist')];
  return { dir: tried.find((d) => fs.existsSync(path.join(d, 'index.html'))) ?? null, tried };
}
