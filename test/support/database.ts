import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Per-test-file databases cloned from the migrated `somnus_template` that globalSetup prepared
 * (test/support/global-setup.ts). Cloning takes a few milliseconds; migrating would take seconds.
 */

export const TEMPLATE_DATABASE = 'somnus_template';

export interface TestDatabase {
  name: string;
  /** As somnus_app: no table ownership, no BYPASSRLS. What functions get as DATABASE_URL. */
  appUrl: string;
  /** As somnus_migrator: owns the database and its tables. */
  migratorUrl: string;
  /** Superuser, connected to this database. */
  adminUrl: string;
  /** Terminates open connections and drops the database. Idempotent. */
  drop(): Promise<void>;
}

export interface TestPostgresInfo {
  adminUrl: string;
  host: string;
  port: number;
  migratorUser: string;
  migratorPassword: string;
  appUser: string;
  appPassword: string;
  template: string;
}

export function testPostgresInfo(): TestPostgresInfo {
  const env = process.env;
  const adminUrl = env.SOMNUS_TEST_PG_ADMIN_URL;
  if (!adminUrl || !env.SOMNUS_TEST_PG_PORT || !env.SOMNUS_TEST_MIGRATOR_PASSWORD || !env.SOMNUS_TEST_APP_PASSWORD) {
    throw new Error('test Postgres is not running: run tests through jest at the repo root (globalSetup test/support/global-setup.ts)');
  }
  return {
    adminUrl,
    host: env.SOMNUS_TEST_PG_HOST ?? '127.0.0.1',
    port: Number(env.SOMNUS_TEST_PG_PORT),
    migratorUser: env.SOMNUS_TEST_MIGRATOR_USER ?? 'somnus_migrator',
    migratorPassword: env.SOMNUS_TEST_MIGRATOR_PASSWORD,
    appUser: env.SOMNUS_TEST_APP_USER ?? 'somnus_app',
    appPassword: env.SOMNUS_TEST_APP_PASSWORD,
    template: env.SOMNUS_TEST_TEMPLATE_DB ?? TEMPLATE_DATABASE,
  };
}

function url(info: TestPostgresInfo, user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${info.host}:${info.port}/${encodeURIComponent(database)}`;
}

function withDatabase(connectionString: string, database: string): string {
  const u = new URL(connectionString);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** Runs fn with one connected client (any URL: app, migrator or admin), then disconnects. */
export async function withClient<T>(connectionString: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** One query on its own connection; returns the rows. */
export async function queryRows<R extends Record<string, unknown> = Record<string, any>>(
  connectionString: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  return withClient(connectionString, async (c) => (await c.query<R>(sql, params)).rows);
}

const asAdmin = withClient;

let counter = 0;

/** A fresh, migrated database for one test file (or one test). Call drop() in afterAll. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const info = testPostgresInfo();
  counter += 1;
  const name = `somnus_test_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  await asAdmin(info.adminUrl, async (admin) => {
    // Concurrent clones of one template are fine: CREATE DATABASE only needs nobody *connected* to it.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(info.template)} OWNER ${ident(info.migratorUser)}`);
        break;
      } catch (err) {
        const busy = (err as { code?: string }).code === '55006'; // source database is being accessed
        if (!busy || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await admin.query(`GRANT CONNECT ON DATABASE ${ident(name)} TO ${ident(info.appUser)}`);
    await admin.query(`REVOKE TEMP ON DATABASE ${ident(name)} FROM PUBLIC`); // as bootstrapDatabase does
  });
  let dropped: Promise<void> | undefined;
  return {
    name,
    appUrl: url(info, info.appUser, info.appPassword, name),
    migratorUrl: url(info, info.migratorUser, info.migratorPassword, name),
    adminUrl: withDatabase(info.adminUrl, name),
    drop() {
      dropped ??= asAdmin(info.adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
      });
      return dropped;
    },
  };
}
