import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bootstrapDatabase, connectionUrl, runMigrations } from '@somnus/db';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@somnus/dev/src/postgres';
import { APP_USER, MIGRATOR_USER } from '@somnus/dev/src/local-database';
import { TEMPLATE_DATABASE } from './database';
import { buildWebForRun } from './web';

/**
 * Jest globalSetup: ONE throw-away Postgres cluster for the whole run, with a migrated template database.
 * Every test file clones the template (createTestDatabase) instead of migrating its own database.
 * Connection info reaches the workers through process.env (they are forked after this runs).
 */

export interface TestPostgresHandle {
  postgres: EmbeddedPostgres;
  rootDir: string;
}

declare global {
  // eslint-disable-next-line no-var
  var __SOMNUS_TEST_PG__: TestPostgresHandle | undefined;
}

export default async function globalSetup(): Promise<void> {
  const rootDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'somnus-test-pg-'));
  // mkdtemp makes it 0700; Postgres may run as the `postgres` user and must reach the data dir inside
  await fsp.chmod(rootDir, 0o755);
  // the account web app, once for the run (well under a second; test/support/web.ts), while Postgres starts
  const webBuilt = buildWebForRun(path.join(rootDir, 'web-dist'));
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(rootDir, 'data'), persistent: false });
  await webBuilt;
  globalThis.__SOMNUS_TEST_PG__ = { postgres, rootDir };
  try {
    const migratorPassword = randomBytes(18).toString('base64url');
    const appPassword = randomBytes(18).toString('base64url');
    await bootstrapDatabase(postgres.adminUrl, {
      database: TEMPLATE_DATABASE,
      migratorUser: MIGRATOR_USER,
      migratorPassword,
      appUser: APP_USER,
      appPassword,
    });
    await runMigrations(connectionUrl(postgres.host, postgres.port, MIGRATOR_USER, migratorPassword, TEMPLATE_DATABASE));
    // A template nobody can connect to: a stray connection would make every CREATE DATABASE … TEMPLATE fail.
    const admin = new Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${TEMPLATE_DATABASE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } finally {
      await admin.end();
    }

    Object.assign(process.env, {
      SOMNUS_TEST_PG_ADMIN_URL: postgres.adminUrl,
      SOMNUS_TEST_PG_HOST: postgres.host,
      SOMNUS_TEST_PG_PORT: String(postgres.port),
      SOMNUS_TEST_MIGRATOR_USER: MIGRATOR_USER,
      SOMNUS_TEST_MIGRATOR_PASSWORD: migratorPassword,
      SOMNUS_TEST_APP_USER: APP_USER,
      SOMNUS_TEST_APP_PASSWORD: appPassword,
      SOMNUS_TEST_TEMPLATE_DB: TEMPLATE_DATABASE,
    });
  } catch (err) {
    await postgres.stop();
    await fsp.rm(rootDir, { recursive: true, force: true });
    globalThis.__SOMNUS_TEST_PG__ = undefined;
    throw err;
  }
}
