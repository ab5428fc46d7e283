/**
 * Full SRP logins per second through the local gateway on real Postgres, against a baseline in the
 * same run: the same number of HTTP round trips (3 per login) to a bare functions-framework function
 * that runs one trivial query. Client-side PBKDF2 is done once, beforehand. Prints the ratio
 * (target ≥ 0.5). Run: `pnpm bench` or `pnpm tsx test/bench/login.ts`.
 *
 * The server (gateway + functions, or the bare function) runs in this process; the clients run in a
 * separate process (login-client.ts), as real clients would, for both measurements alike.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { deriveKey } from '@somnus/crypto';
import { getPool } from '@somnus/db';
import { startStack } from '@somnus/dev';
import { api, listen } from '../support/api';
import { newAccount } from '../support/accounts';
import type { LoginJob } from './login-client';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 150);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

/** Runs one measurement in a client process and returns its elapsed seconds. */
function runClients(job: LoginJob): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'login-client.ts'), [JSON.stringify(job)], { execArgv: ['--import', 'tsx'] });
    child.on('message', (m: { seconds: number }) => resolve(m.seconds));
    child.on('error', reject);
    child.on('exit', (code) => code !== 0 && reject(new Error(`login client exited with ${code}`)));
  });
}

export async function main(): Promise<{ ours: number; baseline: number; ratio: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'somnus-bench-'));
  fs.chmodSync(dataDir, 0o755); // Postgres may run as the `postgres` user and must reach inside
  // the clients say where they come from (login-client.ts), as a load balancer in front would
  process.env.SOMNUS_TRUSTED_PROXY_HOPS ??= '1';
  const stack = await startStack({ dataDir, port: 0, log: () => undefined, logRequests: false });
  process.env.LOG_LEVEL = 'warn';
  try {
    const http = api(stack.baseUrl);
    const email = 'bench@example.com';
    const account = await newAccount(email, 'bench passphrase');
    const signup = await http.post('/auth/signup', account.signupBody);
    if (signup.status !== 200) throw new Error(`signup failed: ${signup.text}`);
    const authSecretHex = await deriveKey('bench passphrase', email, account.material.saltKey);

    // baseline: a bare functions-framework function doing one trivial query on the same Postgres
    registerHttp('bench-baseline', async (_req, res) => {
      const { rows } = await getPool().query('SELECT 1 AS one');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(rows[0]));
    });
    const bare = await listen(getTestServer('bench-baseline'));
    const job = { total: LOGINS, concurrency: CONCURRENCY, email, authSecretHex };
    const oursSeconds = await runClients({ ...job, mode: 'logins', baseUrl: stack.baseUrl });
    const baseSeconds = await runClients({ ...job, mode: 'baseline', baseUrl: bare.baseUrl });
    await bare.close();
    const ours = LOGINS / oursSeconds;
    const baseline = LOGINS / baseSeconds;
    const ratio = ours / baseline;
    console.log(`login: ${ours.toFixed(1)} logins/s through the gateway; baseline ${baseline.toFixed(1)} (3 round trips to a bare function with one query)/s`);
    console.log(`login: ratio ours/baseline = ${ratio.toFixed(2)} (target >= 0.5), ${LOGINS} logins, concurrency ${CONCURRENCY}, ${os.cpus().length} cores`);
    return { ours, baseline, ratio };
  } finally {
    await stack.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
