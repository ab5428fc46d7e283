/**
 * `pnpm migrate`: applies pending migrations.
 *  - MIGRATION_DATABASE_URL set: migrates that database (connect as the migrator, the owner of the tables);
 *  - otherwise: starts the local embedded Postgres from `<repo>/.data` (the one `pnpm start` uses, same
 *    secrets and bootstrap), migrates it and stops it.
 */
import path from 'node:path';
import { runMigrations } from '@somnus/db';
import { migrate, redactUrl, startLocalDatabase } from './local-database';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const url = process.env.MIGRATION_DATABASE_URL;
  if (url) {
    say(`Migrating ${redactUrl(url)} (MIGRATION_DATABASE_URL)`);
    await runMigrations(url, { log: (line) => say(`  ${line}`) });
    say('Done.');
    return;
  }
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const dataDir = process.env.SOMNUS_DATA_DIR ? path.resolve(process.env.SOMNUS_DATA_DIR) : path.join(repoRoot, '.data');
  say(`MIGRATION_DATABASE_URL is not set: migrating the local embedded Postgres in ${path.relative(process.cwd(), dataDir) || '.'}/`);
  const db = await startLocalDatabase({ dataDir, log: (line) => say(`  ${line}`) });
  try {
    say(`  migrating ${redactUrl(db.migratorUrl)} as the migrator`);
    await migrate(db.migratorUrl, say);
  } finally {
    await db.stop();
    say('  Postgres stopped');
  }
  say('Done.');
}

main().catch((err: Error) => {
  process.stderr.write(`pnpm migrate failed: ${err.message}\n`);
  process.exit(1);
});
