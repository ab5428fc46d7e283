/**
 * `pnpm start`: the whole service on 127.0.0.1 with data under `<repo>/.data`.
 * Ctrl-C (SIGINT) or SIGTERM stops the gateway, Pub/Sub delivery (and the emulator), the SMTP sink and
 * Postgres, then exits 0.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from './stack';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const dataDir = process.env.SOMNUS_DATA_DIR ? path.resolve(process.env.SOMNUS_DATA_DIR) : path.join(repoRoot, '.data');

const log = (line: string) => process.stdout.write(`  · ${line}\n`);
const rel = (p: string) => path.relative(process.cwd(), p) || '.';

let stack: Stack | undefined;
let starting = true;
let shutdownRequested = false;
let exiting = false;
let exitingSince = 0;

async function shutdown(code: number): Promise<never> {
  exiting = true;
  exitingSince = Date.now();
  if (stack) {
    process.stdout.write('\nStopping Somnus…\n');
    await stack.stop();
  }
  process.stdout.write('Stopped.\n');
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  if (exiting) {
    // Ctrl-C reaches us twice (from the terminal and relayed by tsx); only answer a real second request
    if (Date.now() - exitingSince > 1000) process.stdout.write(`(${signal} again: still stopping, please wait)\n`);
    return;
  }
  shutdownRequested = true;
  if (starting) {
    process.stdout.write(`\n${signal} received: stopping as soon as start-up settles…\n`);
    return;
  }
  void shutdown(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

async function main(): Promise<void> {
  process.stdout.write(`Starting Somnus (data in ${rel(dataDir)}/)\n`);
  try {
    stack = await startStack({ dataDir, host: '127.0.0.1', log });
  } catch (err) {
    process.stderr.write(`\nSomnus failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  starting = false;
  if (shutdownRequested) return void (await shutdown(0));

  const url = stack.baseUrl;
  process.stdout.write(
    [
      '',
      `Somnus is running at ${url}`,
      '',
      '  Point clients at it:',
      `    Insomnia:                 INSOMNIA_API_URL=${url} INSOMNIA_APP_WEBSITE_URL=${url} insomnia`,
      `    Account web app:          ${url}/app/  (sign up, sign in, invitations, passphrase)`,
      `    Somnus CLI:               SOMNUS_URL=${url} pnpm somnus signup ...`,
      '',
      `  Database:          ${stack.info.database} (${stack.info.databaseSource})`,
      `  Email:             ${stack.info.mailDir ? `every message saved in ${rel(stack.info.mailDir)}/ (SMTP sink ${stack.info.smtpUrl})` : stack.info.smtpUrl}`,
      `  Pub/Sub:           ${stack.info.pubsub}`,
      ...(stack.info.opsUrl ? [`  Operators:         pnpm ops incident create|status|list|retry-failed (incidents at ${stack.info.opsUrl})`] : []),
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

/**
 * `pnpm start` runs us as pnpm → sh → tsx → node. pnpm does not pass SIGINT/SIGTERM sent to it alone
 * down the tree: on SIGTERM it exits and leaves tsx and us running. So watch the process that launched tsx
 * and stop when it is gone. (Ctrl-C in a terminal and `timeout` signal the whole process group: no issue.)
 */
function watchLauncher(): void {
  if (process.platform !== 'linux') return;
  const ppidOf = (pid: number): number | null => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    } catch {
      return null;
    }
  };
  let launcher = process.ppid;
  try {
    if (fs.readFileSync(`/proc/${launcher}/cmdline`, 'utf8').includes('tsx')) launcher = ppidOf(launcher) ?? launcher;
  } catch {
    return;
  }
  if (launcher <= 1) return;
  const timer = setInterval(() => {
    try {
      process.kill(launcher, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') return;
      clearInterval(timer);
      process.stdout.write(`\nThe process that started Somnus (pid ${launcher}) exited.\n`);
      onSignal('SIGTERM');
    }
  }, 1000);
  timer.unref();
}
watchLauncher();

process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled error: ${(err as Error)?.stack ?? String(err)}\n`);
  if (!exiting) void shutdown(1);
});

void main();
