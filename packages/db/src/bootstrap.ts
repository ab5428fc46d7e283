import { Client } from 'pg';

export interface DatabaseRoles {
  database: string;
  migratorUser: string;
  migratorPassword: string;
  appUser: string; // must be 'somnus_app': migrations grant to that name
  appPassword: string;
}

const ident = (s: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`unsafe identifier: ${s}`);
  return `"${s}"`;
};
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Creates the two roles and the database on a fresh cluster, as a superuser (local stack and tests only;
 * on GCP, infra/ creates the same users through Cloud SQL). Idempotent, so `pnpm start` can run it every time.
 * The migrator owns the database and its tables; the app role owns nothing and cannot bypass RLS.
 */
export async function bootstrapDatabase(adminUrl: string, roles: DatabaseRoles): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const ensureRole = async (name: string, password: string, extra: string) => {
      const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(`${verb} ROLE ${ident(name)} LOGIN PASSWORD ${literal(password)} ${extra}`);
    };
    await ensureRole(roles.migratorUser, roles.migratorPassword, 'CREATEROLE NOSUPERUSER NOBYPASSRLS');
    await ensureRole(roles.appUser, roles.appPassword, 'NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB');
    const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [roles.database]);
    if (!db.rowCount) await admin.query(`CREATE DATABASE ${ident(roles.database)} OWNER ${ident(roles.migratorUser)}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${ident(roles.database)} TO ${ident(roles.appUser)}`);
    // new databases let PUBLIC create temp tables; the app role needs none
    await admin.query(`REVOKE TEMP ON DATABASE ${ident(roles.database)} FROM PUBLIC`);
  } finally {
    await admin.end();
  }
}

export function connectionUrl(host: string, port: number, user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
}
