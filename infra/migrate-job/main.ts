/**
 * The migration job's entry point (bundled by infra/build.ts, run by the Cloud Run job `somnus-migrate`).
 * It does what `pnpm migrate` does with MIGRATION_DATABASE_URL set — runMigrations, node-pg-migrate as the
 * migrator — after making sure the app role exists with the password kept in Secret Manager.
 *
 * The app role is created here, in SQL, by the migrator, and not as a Cloud SQL user: Cloud SQL makes every
 * user it creates a member of `cloudsqlsuperuser` (CREATEROLE, CREATEDB), which the app role must not be.
 * A role the migrator creates gets exactly the attributes below, and the migrator holds ADMIN on it.
 */
import { Client } from 'pg';
import { connectionConfig, runMigrations } from '@somnus/db';
import { scramSha256Verifier } from './scram';

const APP_USER = 'somnus_app';

const say = (line: string) => process.stdout.write(`${JSON.stringify({ severity: 'INFO', message: line })}\n`);

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/**
 * Creates the app role, or sets its password, then checks it has nothing it must not have. The password is sent
 * as a SCRAM verifier computed here, never as itself: a failing or slow statement is logged with its text.
 * `role` is the app role's name (the migrations grant to somnus_app; tests use their own).
 */
export async function ensureAppRole(migratorUrl: string, appPassword: string, role = APP_USER): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(role)) throw new Error('unexpected role name');
  const db = new Client(connectionConfig(migratorUrl));
  await db.connect();
  try {
    const exists = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const password = `'${scramSha256Verifier(appPassword).replace(/'/g, "''")}'`;
    if (exists.rowCount) {
      // only a superuser may touch SUPERUSER/BYPASSRLS/REPLICATION, even to turn them off: set the password, then check
      await db.query(`ALTER ROLE ${role} LOGIN PASSWORD ${password}`);
    } else {
      await db.query(`CREATE ROLE ${role} LOGIN PASSWORD ${password} NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION`);
    }
    const attrs = await db.query<{ unsafe: boolean }>(
      `SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication
              OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) AS unsafe
         FROM pg_roles r WHERE rolname = $1`,
      [role],
    );
    if (attrs.rows[0]?.unsafe !== false) throw new Error(`${role} has privileges it must not have (or is a member of another role)`);
    const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
    const database = rows[0]!.name;
    if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error('unexpected database name');
    await db.query(`GRANT CONNECT ON DATABASE ${database} TO ${role}`);
    await db.query(`REVOKE TEMP ON DATABASE ${database} FROM PUBLIC`);
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const url = required('MIGRATION_DATABASE_URL');
  say('ensuring the app role');
  await ensureAppRole(url, required('SOMNUS_APP_DB_PASSWORD'));
  say('applying migrations');
  await runMigrations(url, { log: say });
  say('done');
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${JSON.stringify({ severity: 'ERROR', message: `migration failed: ${err.message}` })}\n`);
    process.exit(1);
  });
}
