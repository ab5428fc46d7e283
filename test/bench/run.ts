/**
 * `pnpm bench`: every benchmark script, one after the other, each printing its own figures and ratio.
 * `pnpm bench <name>…` runs only those (srp, login, sync, body-flood, notify), in the order given.
 *
 * Each script runs in a process of its own: one that starts the local stack leaves its config in
 * process.env and state in its modules (pools, loaded functions), which the next one must not pick up —
 * a second stack would take the first one's DATABASE_URL for a database it was told to use — and each
 * measures on a fresh heap, not on the garbage of the one before.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const BENCHES: Record<string, string> = { srp: 'srp.ts', login: 'login.ts', sync: 'sync.ts', 'body-flood': 'body-flood.ts', notify: 'notify.ts' };

function runScript(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${file} exited with ${signal ?? code}`))));
  });
}

async function run(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in BENCHES));
  if (unknown.length) throw new Error(`no benchmark named ${unknown.join(', ')}: choose among ${Object.keys(BENCHES).join(', ')}`);
  for (const name of asked.length ? asked : Object.keys(BENCHES)) await runScript(BENCHES[name]!);
}

run().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
