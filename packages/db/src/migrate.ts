import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectionConfig } from './pool';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'migrations');

/**
 * The URL node-pg-migrate's CLI connects with. The CLI parses it itself (pg-connection-string), which honours
 * `sslmode=verify-ca` only in libpq-compatible mode and with the CA in a file: for such a URL the CA
 * (DATABASE_CA_CERT, see connectionConfig) is written to a private temporary file, removed by `done`.
 */
export function migratorCliUrl(migratorUrl: string, caPem: string | undefined = process.env.DATABASE_CA_CERT): { url: string; done: () => void } {
  const { ssl } = connectionConfig(migratorUrl, caPem);
  if (!ssl) return { url: migratorUrl, done: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-db-ca-'));
  const caFile = path.join(dir, 'server-ca.pem');
  fs.writeFileSync(caFile, String(ssl.ca), { mode: 0o600 });
  const url = new URL(migratorUrl);
  url.searchParams.set('sslrootcert', caFile);
  url.searchParams.set('uselibpqcompat', 'true');
  return { url: url.toString(), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Applies pending SQL migrations with node-pg-migrate, connected as the migrator (the table owner).
 * It runs the tool's own CLI in a child process: node-pg-migrate 9 is ESM-only and this keeps every
 * caller (tsx, jest, a Cloud Run job) on the same, documented entry point.
 */
export function runMigrations(migratorUrl: string, opts: { log?: (line: string) => void } = {}): Promise<void> {
  const bin = path.join(path.dirname(require.resolve('node-pg-migrate/package.json')), 'bin', 'node-pg-migrate.js');
  const cli = migratorCliUrl(migratorUrl);
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'up', '-m', MIGRATIONS_DIR, '-d', 'SOMNUS_MIGRATOR_URL', '--no-verbose'], {
      // the URL is passed by variable name so the password never appears on a command line
      env: { ...process.env, SOMNUS_MIGRATOR_URL: cli.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) opts.log?.(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`migrations failed (exit ${code}):\n${output}`))));
  }).finally(cli.done);
}
