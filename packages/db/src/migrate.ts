import { spawn } from 'node:child_process';
import path from 'node:path';

export const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'migrations');

/**
 * Applies pending SQL migrations with node-pg-migrate, connected as the migrator (the table owner).
 * It runs the tool's own CLI in a child process: node-pg-migrate 9 is ESM-only and this keeps every
 * caller (tsx, jest, a Cloud Run job) on the same, documented entry point.
 */
export function runMigrations(migratorUrl: string, opts: { log?: (line: string) => void } = {}): Promise<void> {
  const bin = path.join(path.dirname(require.resolve('node-pg-migrate/package.json')), 'bin', 'node-pg-migrate.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'up', '-m', MIGRATIONS_DIR, '-d', 'SOMNUS_MIGRATOR_URL', '--no-verbose'], {
      // the URL is passed by variable name so the password never appears on a command line
      env: { ...process.env, SOMNUS_MIGRATOR_URL: migratorUrl },
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
  });
}
