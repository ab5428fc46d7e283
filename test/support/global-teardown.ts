import fsp from 'node:fs/promises';

/** Jest globalTeardown: stops the run's Postgres and deletes its temp directory. */
export default async function globalTeardown(): Promise<void> {
  const handle = globalThis.__SOMNUS_TEST_PG__;
  if (!handle) return;
  globalThis.__SOMNUS_TEST_PG__ = undefined;
  try {
    await handle.postgres.stop();
  } finally {
    await fsp.rm(handle.rootDir, { recursive: true, force: true });
  }
}
