import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { bootstrapDatabase, connectionUrl, runMigrations } from '@somnus/db';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './postgres';

/**
 * The local database used by `pnpm start` and `pnpm migrate`: an embedded Postgres cluster in
 * `<dataDir>/postgres`, roles and database bootstrapped, migrations applied as the migrator.
 */

export const LOCAL_DATABASE = 'somnus';
export const MIGRATOR_USER = 'somnus_migrator';
/** Migrations grant to this exact name. */
export const APP_USER = 'somnus_app';
export const DEFAULT_LOCAL_PG_PORT = 54329;

/** Generated once per data directory, kept in `<dataDir>/secrets.json` (mode 0600). */
export interface LocalSecrets {
  migratorPassword: string;
  appPassword: string;
  /** SOMNUS_SERVER_SECRET: 32 random bytes, hex. */
  serverSecret: string;
  /** SOMNUS_KEY_HISTORY_SIGNING_KEY: the Ed25519 seed that signs key-history heads, 32 random bytes, hex. */
  keyHistorySigningKey: string;
}

const generators: { [K in keyof LocalSecrets]: () => string } = {
  migratorPassword: () => randomBytes(18).toString('base64url'),
  appPassword: () => randomBytes(18).toString('base64url'),
  serverSecret: () => randomBytes(32).toString('hex'),
  keyHistorySigningKey: () => randomBytes(32).toString('hex'),
};

/** Reads `<dataDir>/secrets.json`, generating and saving whatever is missing. */
export async function loadOrCreateSecrets(dataDir: string): Promise<{ secrets: LocalSecrets; file: string; created: boolean }> {
  const file = path.join(dataDir, 'secrets.json');
  await fsp.mkdir(dataDir, { recursive: true });
  let stored: Partial<LocalSecrets> = {};
  let existed = false;
  try {
    stored = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<LocalSecrets>;
    existed = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  const secrets = {} as LocalSecrets;
  let changed = false;
  for (const key of Object.keys(generators) as (keyof LocalSecrets)[]) {
    const value = stored[key];
    if (typeof value === 'string' && value.length > 0) {
      secrets[key] = value;
    } else {
      secrets[key] = generators[key]();
      changed = true;
    }
  }
  if (changed) {
    const tmp = `${file}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, `${JSON.stringify({ ...stored, ...secrets }, null, 2)}\n`, { mode: 0o600 });
    await fsp.rename(tmp, file);
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) await fsp.chmod(file, 0o600);
  return { secrets, file, created: !existed };
}

export interface LocalDatabase {
  postgres: EmbeddedPostgres;
  secrets: LocalSecrets;
  /** As somnus_app: what the functions use (DATABASE_URL). */
  appUrl: string;
  /** As the migrator, owner of the tables. */
  migratorUrl: string;
  stop(): Promise<void>;
}

export interface LocalDatabaseOptions {
  /** The `.data` directory: the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** Default SOMNUS_PG_PORT or 54329; a free port when that one is busy. */
  port?: number;
  log?: (line: string) => void;
  /** Postgres server log lines. */
  onPostgresLog?: (line: string) => void;
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export async function startLocalDatabase(opts: LocalDatabaseOptions): Promise<LocalDatabase> {
  const log = opts.log ?? (() => undefined);
  const { secrets, file, created } = await loadOrCreateSecrets(opts.dataDir);
  if (created) log(`generated local secrets in ${file}`);
  const port = opts.port ?? (process.env.SOMNUS_PG_PORT ? Number(process.env.SOMNUS_PG_PORT) : DEFAULT_LOCAL_PG_PORT);
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(opts.dataDir, 'postgres'),
    port,
    persistent: true,
    log,
    ...(opts.onPostgresLog ? { onLog: opts.onPostgresLog } : {}),
    ...(opts.onUnexpectedExit ? { onUnexpectedExit: opts.onUnexpectedExit } : {}),
  });
  try {
    log(`Postgres ${postgres.initialised ? 'initialised and started' : 'started'} on ${postgres.host}:${postgres.port}`);
    await bootstrapDatabase(postgres.adminUrl, {
      database: LOCAL_DATABASE,
      migratorUser: MIGRATOR_USER,
      migratorPassword: secrets.migratorPassword,
      appUser: APP_USER,
      appPassword: secrets.appPassword,
    });
    const url = (user: string, password: string) => connectionUrl(postgres.host, postgres.port, user, password, LOCAL_DATABASE);
    const migratorUrl = url(MIGRATOR_USER, secrets.migratorPassword);
    return { postgres, secrets, appUrl: url(APP_USER, secrets.appPassword), migratorUrl, stop: () => postgres.stop() };
  } catch (err) {
    await postgres.stop();
    throw err;
  }
}

/** Applies migrations, logging node-pg-migrate's output lines. */
export async function migrate(migratorUrl: string, log: (line: string) => void = () => undefined): Promise<void> {
  await runMigrations(migratorUrl, { log: (line) => log(`  ${line}`) });
}

/** `postgres://user:***@host:port/db`, for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}
